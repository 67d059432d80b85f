// The service's Azure-wide permissions, as two custom roles defined at a management group:
//   - the control-plane role (actions of infra/roleActions.json), assigned here, at the management group,
//     so every current and future subscription under it is covered by one assignment;
//   - the key-reader role (its dataActions, nothing else), defined here but assigned by the postprovision
//     hook on each listed subscription and vault. Azure's custom role limits: "Custom roles with
//     DataActions can't be assigned at the management group scope", but "you can create a custom role
//     with DataActions and one management group in AssignableScopes [...] and assign the custom role at
//     the scope of the subscriptions within the management group" (MicrosoftDocs/azure-docs,
//     articles/role-based-access-control/custom-roles.md, "Custom role limits"). Issue 15 quotes the
//     error a data action here produced: "Role assignments to Management Groups can not be made to custom
//     role definitions with DataActions".
//
// Why a custom key-reader role rather than a built-in one: the built-ins that carry
// Microsoft.KeyVault/vaults/keys/read also carry more (built-in-roles/security.md): Key Vault Reader adds
// the metadata of secrets and certificates plus Microsoft.Insights/alertRules/*,
// Microsoft.Resources/deployments/* and Microsoft.Support/*; Key Vault Crypto Service Encryption User adds
// keys/wrap/action, keys/unwrap/action and Event Grid event subscription writes.
//
// A separate management-group deployment because Azure Resource Manager does not let a subscription-scoped
// template (what `azd up` deploys) target a management group, except through a tenant-scoped module, which
// would need deployment rights at the tenant root (Azure/bicep discussion #13612). Deploy it with
//   az deployment mg create --management-group-id <mg> --location <region> \
//     --template-file infra/roles/main.bicep --parameters principalId=<CMKR_IDENTITY_PRINCIPAL_ID>
// (the azd postprovision hook does this when CMKR_MANAGEMENT_GROUP_ID is set, then assigns the key reader).
targetScope = 'managementGroup'

@description('Object (principal) id of the service\'s user-assigned identity: the CMKR_IDENTITY_PRINCIPAL_ID output of infra/main.bicep.')
param principalId string

@description('Grant the enforce-mode writes (managed disks). Set true only when the app runs with CMKR_DISK_MODE=enforce.')
param diskEnforce bool = false

var role = loadJsonContent('../roleActions.json')

// The same name (and so the same id) as before the split, so a redeployment updates the existing role in
// place: it loses its data action, and its assignment here becomes valid.
resource controlRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(managementGroup().id, role.roleName)
  properties: {
    roleName: '${role.roleName} (${managementGroup().name})'
    description: role.description
    type: 'CustomRole'
    permissions: [
      {
        actions: concat(role.actions, diskEnforce ? role.enforceActions : [])
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
    assignableScopes: [
      managementGroup().id
    ]
  }
}

resource keyReaderRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(managementGroup().id, role.keyReader.roleName)
  properties: {
    roleName: '${role.keyReader.roleName} (${managementGroup().name})'
    description: role.keyReader.description
    type: 'CustomRole'
    permissions: [
      {
        actions: []
        notActions: []
        dataActions: role.dataActions
        notDataActions: []
      }
    ]
    assignableScopes: [
      managementGroup().id
    ]
  }
}

resource controlRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, controlRole.id)
  properties: {
    roleDefinitionId: controlRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output roleDefinitionId string = controlRole.id
@description('The key-reader role\'s name (a GUID): what the hook passes to `az role assignment create --role`.')
output keyReaderRoleDefinitionName string = keyReaderRole.name
