#!/bin/sh
# azd postprovision hook: deploys the custom role of infra/roles/main.bicep at the management group in
# CMKR_MANAGEMENT_GROUP_ID and assigns it to the service's identity. A subscription-scoped `azd up` cannot
# deploy to a management group itself, so this runs `az deployment mg create` with the deployer's sign-in
# (it needs Microsoft.Authorization/roleDefinitions/write and roleAssignments/write at that group).
set -eu

if [ -z "${CMKR_MANAGEMENT_GROUP_ID:-}" ]; then
  echo "CMKR_MANAGEMENT_GROUP_ID is not set: the service's custom role was not deployed."
  echo "Deploy it as shown in README.md (Deployment > Permissions) before setting CMKR_DRY_RUN=false."
  exit 0
fi

disk_enforce=false
if [ "${CMKR_DISK_MODE:-ticket}" = "enforce" ]; then disk_enforce=true; fi

az deployment mg create \
  --name "cmkr-role-${AZURE_ENV_NAME}" \
  --management-group-id "${CMKR_MANAGEMENT_GROUP_ID}" \
  --location "${AZURE_LOCATION}" \
  --template-file infra/roles/main.bicep \
  --parameters principalId="${CMKR_IDENTITY_PRINCIPAL_ID}" diskEnforce="${disk_enforce}"
