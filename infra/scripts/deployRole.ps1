# azd postprovision hook (Windows): same as deployRole.sh. Deploys the custom role of
# infra/roles/main.bicep at the management group in CMKR_MANAGEMENT_GROUP_ID and assigns it to the
# service's identity, with the deployer's Azure CLI sign-in.
$ErrorActionPreference = 'Stop'

if (-not $env:CMKR_MANAGEMENT_GROUP_ID) {
  Write-Host 'CMKR_MANAGEMENT_GROUP_ID is not set: the service''s custom role was not deployed.'
  Write-Host 'Deploy it as shown in README.md (Deployment > Permissions) before setting CMKR_DRY_RUN=false.'
  exit 0
}

$diskEnforce = if ($env:CMKR_DISK_MODE -eq 'enforce') { 'true' } else { 'false' }

az deployment mg create `
  --name "cmkr-role-$($env:AZURE_ENV_NAME)" `
  --management-group-id $env:CMKR_MANAGEMENT_GROUP_ID `
  --location $env:AZURE_LOCATION `
  --template-file infra/roles/main.bicep `
  --parameters principalId=$($env:CMKR_IDENTITY_PRINCIPAL_ID) diskEnforce=$diskEnforce
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
