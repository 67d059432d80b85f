#!/bin/sh
# azd postprovision hook: gives the service's identity its Azure-wide permissions.
#   1. Deploys infra/roles/main.bicep at the management group in CMKR_MANAGEMENT_GROUP_ID: the control-plane
#      role, assigned there, and the key-reader role (Key Vault key metadata, a data action).
#   2. Assigns the key-reader role on every subscription in CMKR_SUBSCRIPTION_IDS and every vault in
#      CMKR_KEY_VAULT_IDS: Azure refuses custom roles with data actions at management-group scope.
# A subscription-scoped `azd up` cannot deploy to a management group itself, so this uses the deployer's
# Azure CLI sign-in (Microsoft.Authorization/roleDefinitions/write and roleAssignments/write at the group).
#
# Safe to run again: the deployment names its role definitions and assignment deterministically, and
# `az role assignment create` returns the existing assignment when there is one (Azure/azure-cli,
# command_modules/role/custom.py, create_role_assignment). A role definition or identity created moments
# ago may not be visible everywhere yet ("it can take up to 10 minutes for changes to take effect",
# MicrosoftDocs/azure-docs, articles/role-based-access-control/troubleshooting.md); those errors are
# retried with a growing delay, anything else fails the hook.
set -eu

if [ -z "${CMKR_MANAGEMENT_GROUP_ID:-}" ]; then
  echo "CMKR_MANAGEMENT_GROUP_ID is not set: the service's roles were not deployed."
  echo "Deploy them as shown in docs/deployment.md (Permissions) before setting CMKR_DRY_RUN=false."
  exit 0
fi

max_attempts="${CMKR_ROLE_RETRY_ATTEMPTS:-8}"
first_delay="${CMKR_ROLE_RETRY_DELAY_SECONDS:-10}"
max_delay=120
err_file=$(mktemp)
trap 'rm -f "$err_file"' EXIT

# Runs "$@"; prints its output on success. While its error names a definition or principal that has not
# replicated yet, waits (10 s, 20 s, 40 s, ... at most 120 s) and tries again.
with_replication_retry() {
  attempt=1
  delay="$first_delay"
  while :; do
    if "$@" 2>"$err_file"; then
      return 0
    fi
    if ! grep -Eq 'RoleDefinitionDoesNotExist|PrincipalNotFound|does not exist in the directory' "$err_file"; then
      cat "$err_file" >&2
      return 1
    fi
    if [ "$attempt" -ge "$max_attempts" ]; then
      cat "$err_file" >&2
      echo "Still not visible after $attempt attempts; run the hook again later (azd hooks run postprovision)." >&2
      return 1
    fi
    echo "Not visible yet (attempt $attempt of $max_attempts); retrying in ${delay}s." >&2
    sleep "$delay"
    attempt=$((attempt + 1))
    delay=$((delay * 2))
    if [ "$delay" -gt "$max_delay" ]; then delay="$max_delay"; fi
  done
}

disk_enforce=false
if [ "${CMKR_DISK_MODE:-ticket}" = "enforce" ]; then disk_enforce=true; fi

key_reader_role=$(with_replication_retry az deployment mg create \
  --name "cmkr-role-${AZURE_ENV_NAME}" \
  --management-group-id "${CMKR_MANAGEMENT_GROUP_ID}" \
  --location "${AZURE_LOCATION}" \
  --template-file infra/roles/main.bicep \
  --parameters principalId="${CMKR_IDENTITY_PRINCIPAL_ID}" diskEnforce="${disk_enforce}" \
  --query properties.outputs.keyReaderRoleDefinitionName.value --output tsv)
if [ -z "$key_reader_role" ]; then
  echo "The role deployment returned no key-reader role name." >&2
  exit 1
fi

scopes=""
for id in $(printf '%s' "${CMKR_SUBSCRIPTION_IDS:-}" | tr ',' ' '); do scopes="$scopes /subscriptions/$id"; done
for id in $(printf '%s' "${CMKR_KEY_VAULT_IDS:-}" | tr ',' ' '); do scopes="$scopes $id"; done
if [ -z "$scopes" ]; then
  echo "No CMKR_SUBSCRIPTION_IDS or CMKR_KEY_VAULT_IDS: the key-reader role is assigned nowhere, so vaults"
  echo "that use Azure RBAC refuse the service's key reads (see docs/deployment.md, Permissions)."
fi

for scope in $scopes; do
  # --role takes the definition's name (a GUID); the CLI turns it into an id in the scope's subscription.
  with_replication_retry az role assignment create \
    --assignee-object-id "${CMKR_IDENTITY_PRINCIPAL_ID}" \
    --assignee-principal-type ServicePrincipal \
    --role "$key_reader_role" \
    --scope "$scope" \
    --output none
  echo "Key-reader role assigned on $scope."
done
