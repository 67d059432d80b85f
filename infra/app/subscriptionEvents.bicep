// ARM write and delete events of one subscription: a resource group in that subscription holding its
// Microsoft.Resources.Subscriptions system topic and the service's event subscription, filtered on the
// in-scope ARM operations of infra/eventFilters.json (the same list the triage code reads).
targetScope = 'subscription'

param resourceGroupName string
param location string
param tags object = {}
param systemTopicName string
param eventSubscriptionName string
param includedEventTypes string[]
@description('ARM operation names (data.operationName) to deliver; Event Grid allows 25 filter values per subscription.')
@maxLength(25)
param operationNames string[]
param functionResourceId string
param identityId string
param deadLetterStorageAccountId string
param deadLetterContainerName string

resource eventsGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

module topic 'systemTopicEvents.bicep' = {
  name: 'topic-${uniqueString(subscription().id, systemTopicName)}'
  scope: eventsGroup
  params: {
    systemTopicName: systemTopicName
    location: 'global'
    tags: tags
    source: subscription().id
    topicType: 'Microsoft.Resources.Subscriptions'
    eventSubscriptionName: eventSubscriptionName
    includedEventTypes: includedEventTypes
    advancedFilters: [
      {
        operatorType: 'StringIn'
        key: 'data.operationName'
        values: operationNames
      }
    ]
    functionResourceId: functionResourceId
    identityId: identityId
    deadLetterStorageAccountId: deadLetterStorageAccountId
    deadLetterContainerName: deadLetterContainerName
  }
}
