// One Event Grid system topic and the service's event subscription on it, delivering to one of the app's
// Event Grid-triggered functions. Every subscription retries for a day and dead-letters what it could not
// deliver to the storage account's dead-letter container, writing as the service's identity.
//
// The topic is PUT whether it is new or an existing one being reused (existingSystemTopic.bicep works out
// the location, tags and identities to keep); the event subscription is the same in both cases.
param systemTopicName string
param location string
param tags object = {}
@description('The topic\'s identity block; it must include identityId among its user-assigned identities.')
param topicIdentity object
@description('ARM id of the event source: a subscription (/subscriptions/{id}) or a Key Vault.')
param source string
@description('Microsoft.Resources.Subscriptions or Microsoft.KeyVault.vaults.')
param topicType string
param eventSubscriptionName string
param includedEventTypes string[]
@description('Event Grid advanced filters; at most 25 values across all of them.')
param advancedFilters array = []
@description('ARM id of the destination function: {function app id}/functions/{name}.')
param functionResourceId string
param identityId string
param deadLetterStorageAccountId string
param deadLetterContainerName string

resource systemTopic 'Microsoft.EventGrid/systemTopics@2025-02-15' = {
  name: systemTopicName
  location: location
  tags: tags
  identity: topicIdentity
  properties: {
    source: source
    topicType: topicType
  }
}

resource eventSubscription 'Microsoft.EventGrid/systemTopics/eventSubscriptions@2025-02-15' = {
  parent: systemTopic
  name: eventSubscriptionName
  properties: {
    destination: {
      endpointType: 'AzureFunction'
      properties: {
        resourceId: functionResourceId
        // The trigger handles one event per invocation.
        maxEventsPerBatch: 1
        preferredBatchSizeInKilobytes: 64
      }
    }
    eventDeliverySchema: 'EventGridSchema'
    filter: {
      includedEventTypes: includedEventTypes
      advancedFilters: advancedFilters
    }
    retryPolicy: {
      maxDeliveryAttempts: 30
      eventTimeToLiveInMinutes: 1440
    }
    deadLetterWithResourceIdentity: {
      identity: {
        type: 'UserAssigned'
        userAssignedIdentity: identityId
      }
      deadLetterDestination: {
        endpointType: 'StorageBlob'
        properties: {
          resourceId: deadLetterStorageAccountId
          blobContainerName: deadLetterContainerName
        }
      }
    }
  }
}

output systemTopicId string = systemTopic.id
