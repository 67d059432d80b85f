// ARM write and delete events of one subscription: the subscription's Microsoft.Resources.Subscriptions
// system topic and the service's event subscription, filtered on the in-scope ARM operations of
// infra/eventFilters.json (the same list the triage code reads). The topic is created in a resource group
// of this template, unless the subscription already has one: Event Grid allows one system topic per
// source, so then the existing topic (existingSystemTopicId) gets the event subscription.
targetScope = 'subscription'

param resourceGroupName string
@description('ARM id of the subscription\'s existing system topic, or empty to create one.')
param existingSystemTopicId string = ''
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

var reuse = !empty(existingSystemTopicId)
// A system topic lives in its source's subscription, so an existing one is in a resource group here.
var topicGroupName = reuse ? split(existingSystemTopicId, '/')[4] : resourceGroupName
var topicName = reuse ? last(split(existingSystemTopicId, '/')) : systemTopicName

resource eventsGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = if (!reuse) {
  name: resourceGroupName
  location: location
  tags: tags
}

module existingTopic 'existingSystemTopic.bicep' = if (reuse) {
  name: 'topic-read-${uniqueString(subscription().id, topicName)}'
  scope: resourceGroup(topicGroupName)
  params: {
    systemTopicName: topicName
    identityId: identityId
  }
}

module topic 'systemTopicEvents.bicep' = {
  name: 'topic-${uniqueString(subscription().id, topicName)}'
  scope: resourceGroup(topicGroupName)
  params: {
    systemTopicName: topicName
    location: reuse ? existingTopic.outputs.location : 'global'
    tags: reuse ? existingTopic.outputs.tags : tags
    topicIdentity: reuse
      ? existingTopic.outputs.identity
      : {
          type: 'UserAssigned'
          userAssignedIdentities: {
            '${identityId}': {}
          }
        }
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
  dependsOn: [
    eventsGroup
  ]
}
