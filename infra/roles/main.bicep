// The service's Azure-wide permissions: a custom role holding exactly the actions of infra/roleActions.json,
// defined at a management group and assigned there to the service's user-assigned identity.
//
// A separate management-group deployment because Azure Resource Manager does not let a subscription-scoped
// template (what `azd up` deploys) target a management group, except through a tenant-scoped module, which
// would need deployment rights at the tenant root (Azure/bicep discussion #13612). Deploy it with
//   az deployment mg create --management-group-id <mg> --location <region> \
//     --template-file infra/roles/main.bicep --parameters principalId=<CMKR_IDENTITY_PRINCIPAL_ID>
// (the azd postprovision hook does this when CMKR_MANAGEMENT_GROUP_ID is set).
targetScope = 'managementGroup'

@description('Object (principal) id of the service\'s user-assigned identity: the CMKR_IDENTITY_PRINCIPAL_ID output of infra/main.bicep.')
param principalId string

@description('Grant the enforce-mode writes (managed disks). Set true only when the app runs with CMKR_DISK_MODE=enforce.')
param diskEnforce bool = false

@description('Put the Key Vault key-metadata data action in the role. Custom roles with data actions at management-group scope were a preview feature; set false where the tenant refuses them and grant key reads per vault instead (see README).')
param includeDataActions bool = true

var role = loadJsonContent('../roleActions.json')

resource roleDefinition 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(managementGroup().id, role.roleName)
  properties: {
    roleName: '${role.roleName} (${managementGroup().name})'
    description: role.description
    type: 'CustomRole'
    permissions: [
      {
        actions: concat(role.actions, diskEnforce ? role.enforceActions : [])
        notActions: []
        dataActions: includeDataActions ? role.dataActions : []
        notDataActions: []
      }
    ]
    assignableScopes: [
      managementGroup().id
    ]
  }
}

resource roleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, roleDefinition.id)
  properties: {
    roleDefinitionId: roleDefinition.id
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output roleDefinitionId string = roleDefinition.id
