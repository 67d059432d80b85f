# azd postprovision hook (Windows): same as deployRole.sh.
#   1. Deploys infra/roles/main.bicep at the management group in CMKR_MANAGEMENT_GROUP_ID: the control-plane
#      role, assigned there, and the key-reader role (Key Vault key metadata, a data action).
#   2. Assigns the key-reader role on every subscription in CMKR_SUBSCRIPTION_IDS and every vault in
#      CMKR_KEY_VAULT_IDS: Azure refuses custom roles with data actions at management-group scope.
# Safe to run again (deterministic names; `az role assignment create` returns an existing assignment).
# Errors that mean "created moments ago, not replicated yet" are retried with a growing delay; anything
# else fails the hook.
$ErrorActionPreference = 'Stop'

if (-not $env:CMKR_MANAGEMENT_GROUP_ID) {
  Write-Host 'CMKR_MANAGEMENT_GROUP_ID is not set: the service''s roles were not deployed.'
  Write-Host 'Deploy them as shown in docs/deployment.md (Permissions) before setting CMKR_DRY_RUN=false.'
  exit 0
}

$maxAttempts = if ($env:CMKR_ROLE_RETRY_ATTEMPTS) { [int]$env:CMKR_ROLE_RETRY_ATTEMPTS } else { 8 }
$firstDelay = if ($env:CMKR_ROLE_RETRY_DELAY_SECONDS) { [int]$env:CMKR_ROLE_RETRY_DELAY_SECONDS } else { 10 }
$maxDelay = 120
$replicationErrors = 'RoleDefinitionDoesNotExist|PrincipalNotFound|does not exist in the directory'

# Runs the Azure CLI with the given arguments and returns its standard output; retries replication errors.
function Invoke-AzWithReplicationRetry([string[]]$AzArgs) {
  $delay = $firstDelay
  for ($attempt = 1; ; $attempt++) {
    $errFile = New-TemporaryFile
    try {
      $out = & az @AzArgs 2> $errFile.FullName
      $code = $LASTEXITCODE
      $err = Get-Content -Raw -Path $errFile.FullName
    } finally {
      Remove-Item -Force $errFile.FullName
    }
    if ($code -eq 0) { return $out }
    if ($err -notmatch $replicationErrors) { Write-Error $err }
    if ($attempt -ge $maxAttempts) {
      Write-Error "$err`nStill not visible after $attempt attempts; run the hook again later (azd hooks run postprovision)."
    }
    Write-Host "Not visible yet (attempt $attempt of $maxAttempts); retrying in ${delay}s."
    Start-Sleep -Seconds $delay
    $delay = [Math]::Min($delay * 2, $maxDelay)
  }
}

$diskEnforce = if ($env:CMKR_DISK_MODE -eq 'enforce') { 'true' } else { 'false' }

$keyReaderRole = Invoke-AzWithReplicationRetry @(
  'deployment', 'mg', 'create',
  '--name', "cmkr-role-$($env:AZURE_ENV_NAME)",
  '--management-group-id', $env:CMKR_MANAGEMENT_GROUP_ID,
  '--location', $env:AZURE_LOCATION,
  '--template-file', 'infra/roles/main.bicep',
  '--parameters', "principalId=$($env:CMKR_IDENTITY_PRINCIPAL_ID)", "diskEnforce=$diskEnforce",
  '--query', 'properties.outputs.keyReaderRoleDefinitionName.value', '--output', 'tsv'
)
$keyReaderRole = "$keyReaderRole".Trim()
if (-not $keyReaderRole) { Write-Error 'The role deployment returned no key-reader role name.' }

$scopes = @()
foreach ($id in "$($env:CMKR_SUBSCRIPTION_IDS)".Split(',')) { if ($id.Trim()) { $scopes += "/subscriptions/$($id.Trim())" } }
foreach ($id in "$($env:CMKR_KEY_VAULT_IDS)".Split(',')) { if ($id.Trim()) { $scopes += $id.Trim() } }
if ($scopes.Count -eq 0) {
  Write-Host 'No CMKR_SUBSCRIPTION_IDS or CMKR_KEY_VAULT_IDS: the key-reader role is assigned nowhere, so vaults'
  Write-Host 'that use Azure RBAC refuse the service''s key reads (see docs/deployment.md, Permissions).'
}

foreach ($scope in $scopes) {
  # --role takes the definition's name (a GUID); the CLI turns it into an id in the scope's subscription.
  Invoke-AzWithReplicationRetry @(
    'role', 'assignment', 'create',
    '--assignee-object-id', $env:CMKR_IDENTITY_PRINCIPAL_ID,
    '--assignee-principal-type', 'ServicePrincipal',
    '--role', $keyReaderRole,
    '--scope', $scope,
    '--output', 'none'
  ) | Out-Null
  Write-Host "Key-reader role assigned on $scope."
}
