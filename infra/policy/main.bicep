// Onboards new subscriptions automatically: the deployIfNotExists definition of
// eventGridSubscriptionTopic.json, assigned at a management group with a system-assigned identity that may
// deploy the system topic and event subscription. The event types and operation names are passed in from
// infra/eventFilters.json, the file the triage code reads. Deploy with
//   az deployment mg create --management-group-id <mg> --location <region> \
//     --template-file infra/policy/main.bicep --parameters location=<region> functionAppResourceId=... \
//       identityResourceId=... deadLetterStorageAccountId=... resourceGroupName=... systemTopicName=... \
//       eventSubscriptionName=...   (the CMKR_* outputs of `azd provision`; see docs/deployment.md)
// then start a remediation task for the subscriptions that already exist (docs/deployment.md). The
// definition's existenceCondition also marks a subscription whose event subscription drifted (other event
// types, operations, destination or dead-lettering) as non-compliant, so remediation puts it back.
targetScope = 'managementGroup'

@description('Region of the assignment\'s identity and of the resource group created in each subscription.')
param location string

@description('ARM id of the service\'s Function App.')
param functionAppResourceId string

@description('ARM id of the service\'s user-assigned identity.')
param identityResourceId string

@description('ARM id of the service\'s storage account (dead-letter container).')
param deadLetterStorageAccountId string

param deadLetterContainerName string = 'eventgrid-deadletter'

// The names infra/main.bicep uses (its CMKR_EVENTS_RESOURCE_GROUP, CMKR_ARM_SYSTEM_TOPIC and
// CMKR_ARM_EVENT_SUBSCRIPTION outputs), so subscriptions azd already wired count as compliant: Event Grid
// allows only one system topic per source (MicrosoftDocs/azure-docs, articles/event-grid/system-topics.md).
// A subscription with a system topic of its own under another name is not handled by this policy (its
// deployment fails); wire it through CMKR_EXISTING_SYSTEM_TOPICS instead.
param resourceGroupName string
param systemTopicName string
param eventSubscriptionName string

@allowed([
  'DeployIfNotExists'
  'AuditIfNotExists'
  'Disabled'
])
param effect string = 'DeployIfNotExists'

var definition = loadJsonContent('eventGridSubscriptionTopic.json')
var eventFilters = loadJsonContent('../eventFilters.json')
var contributor = 'b24988ac-6180-42a0-ab88-20f7382dd24c'

resource policyDefinition 'Microsoft.Authorization/policyDefinitions@2023-04-01' = {
  name: 'cmkr-subscription-events'
  properties: definition.properties
}

resource policyAssignment 'Microsoft.Authorization/policyAssignments@2024-04-01' = {
  name: 'cmkr-subscription-events'
  location: location
  identity: {
    type: 'SystemAssigned'
  }
  properties: {
    displayName: definition.properties.displayName
    policyDefinitionId: policyDefinition.id
    parameters: {
      effect: { value: effect }
      location: { value: location }
      resourceGroupName: { value: resourceGroupName }
      systemTopicName: { value: systemTopicName }
      eventSubscriptionName: { value: eventSubscriptionName }
      functionResourceId: { value: '${functionAppResourceId}/functions/resourceEvents' }
      identityResourceId: { value: identityResourceId }
      deadLetterStorageAccountId: { value: deadLetterStorageAccountId }
      deadLetterContainerName: { value: deadLetterContainerName }
      includedEventTypes: { value: eventFilters.handledEventTypes.armSubscription }
      operationNames: { value: concat(eventFilters.armOperations.write, eventFilters.armOperations.delete) }
    }
  }
}

// The role named in the definition's roleDefinitionIds, for the assignment's identity: it creates the
// resource group and system topic, attaches the service identity to the topic and points the
// subscription at the function (all inside this management group).
resource policyIdentityRole 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, policyAssignment.id, contributor)
  properties: {
    roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', contributor)
    principalId: policyAssignment.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

output policyAssignmentId string = policyAssignment.id
