// One Key Vault, deployed into the vault's own resource group: an access policy so the service can read
// key metadata on vaults that use access policies (Azure RBAC vaults ignore it; there the custom role's
// data action applies), and the vault's system topic with the service's subscription to its key events.
param vaultName string
param tags object = {}
param systemTopicName string
param eventSubscriptionName string
@description('False until the app\'s functions exist (Event Grid checks the destination function).')
param eventSubscriptionEnabled bool
param includedEventTypes string[]
param functionResourceId string
param identityId string
param identityPrincipalId string
param deadLetterStorageAccountId string
param deadLetterContainerName string

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

module topic 'systemTopicEvents.bicep' = if (eventSubscriptionEnabled) {
  name: 'topic-${uniqueString(vault.id, systemTopicName)}'
  params: {
    systemTopicName: systemTopicName
    location: vault.location
    tags: tags
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
