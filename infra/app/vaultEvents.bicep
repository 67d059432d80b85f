// One Key Vault, deployed into the vault's own resource group: an access policy so the service can read
// key metadata on vaults that use access policies (Azure RBAC vaults ignore it; there the key-reader role
// that the postprovision hook assigns applies), and the vault's system topic with the service's
// subscription to its key events. Event Grid allows one system topic per source: a vault that already has
// one (existingSystemTopicId) gets the event subscription on that topic, wherever its resource group is.
param vaultName string
param tags object = {}
param systemTopicName string
@description('ARM id of the vault\'s existing system topic, or empty to create one in the vault\'s resource group.')
param existingSystemTopicId string = ''
param eventSubscriptionName string
@description('False until the app\'s functions exist (Event Grid checks the destination function).')
param eventSubscriptionEnabled bool
param includedEventTypes string[]
param functionResourceId string
param identityId string
param identityPrincipalId string
param deadLetterStorageAccountId string
param deadLetterContainerName string

var reuse = !empty(existingSystemTopicId)
var topicGroupName = reuse ? split(existingSystemTopicId, '/')[4] : resourceGroup().name
var topicName = reuse ? last(split(existingSystemTopicId, '/')) : systemTopicName

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: vaultName
}

// `add` merges this entry into the vault's policies instead of replacing them. Metadata only: no
// wrap, unwrap, sign or key-material permission.
resource keyReadPolicy 'Microsoft.KeyVault/vaults/accessPolicies@2023-07-01' = {
  parent: vault
  name: 'add'
  properties: {
    accessPolicies: [
      {
        tenantId: tenant().tenantId
        objectId: identityPrincipalId
        permissions: {
          keys: [
            'get'
            'list'
          ]
        }
      }
    ]
  }
}

module existingTopic 'existingSystemTopic.bicep' = if (eventSubscriptionEnabled && reuse) {
  name: 'topic-read-${uniqueString(vault.id, topicName)}'
  scope: resourceGroup(topicGroupName)
  params: {
    systemTopicName: topicName
    identityId: identityId
  }
}

module topic 'systemTopicEvents.bicep' = if (eventSubscriptionEnabled) {
  name: 'topic-${uniqueString(vault.id, topicName)}'
  scope: resourceGroup(topicGroupName)
  params: {
    systemTopicName: topicName
    location: reuse ? existingTopic.outputs.location : vault.location
    tags: reuse ? existingTopic.outputs.tags : tags
    topicIdentity: reuse
      ? existingTopic.outputs.identity
      : {
          type: 'UserAssigned'
          userAssignedIdentities: {
            '${identityId}': {}
          }
        }
    source: vault.id
    topicType: 'Microsoft.KeyVault.vaults'
    eventSubscriptionName: eventSubscriptionName
    includedEventTypes: includedEventTypes
    functionResourceId: functionResourceId
    identityId: identityId
    deadLetterStorageAccountId: deadLetterStorageAccountId
    deadLetterContainerName: deadLetterContainerName
  }
}
