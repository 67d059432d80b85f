// The shared secret of /api/events (CMKR_EVENTS_SHARED_SECRET), kept in a Key Vault of the service's
// own and read by the app through a Key Vault reference, so the value appears in no app setting, no
// deployment's inputs and no output.
//
// Why not the app setting itself: avm/res/web/site (api.bicep) takes app settings as a plain `object?`
// parameter, appSettingsKeyValuePairs (its main.bicep at 0.15.1), and plain parameters of a nested
// deployment are kept in the deployment history, readable by anyone who can read the resource group's
// deployments. A @secure() parameter is not ("The value of a secure parameter isn't saved to the
// deployment history and isn't logged", MicrosoftDocs/azure-docs, articles/azure-resource-manager/bicep/
// parameters.md, Secure parameters), which is how the value reaches this module and the secret's
// `value`; the app setting then holds only the reference.
//
// Key Vault reference syntax and identity: "@Microsoft.KeyVault(SecretUri=...)", resolved with the
// identity named in keyVaultReferenceIdentity (api.bicep sets it to the service's identity), which needs
// to read the secret: the article (MicrosoftDocs/azure-docs, articles/app-service/
// app-service-key-vault-references.md) describes a secret Get access policy; on an RBAC vault that is
// the Key Vault Secrets User role. The reference names the secret's version: each `azd provision` writes
// a new value (main.bicep's newGuid() default), and "Any configuration changes to the app causes an
// immediate re-fetch", whereas a versionless reference follows a new version "within 24 hours".
param vaultName string
param location string
param tags object = {}
@description('The service\'s identity: it reads the secret through the app\'s Key Vault reference.')
param identityPrincipalId string
@secure()
@description('The value of CMKR_EVENTS_SHARED_SECRET.')
param secretValue string

var secretName = 'cmkr-events-shared-secret'
// Built-in role "Key Vault Secrets User": read secret contents (Azure built-in roles, Security).
var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

// RBAC authorization (no access policies); soft delete is always on, kept for the minimum 7 days so an
// `azd down --purge` or a redeploy after the retention can reuse the name. Purge protection stays off:
// the vault holds this one generated secret, which a provision recreates.
resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: vaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    softDeleteRetentionInDays: 7
    publicNetworkAccess: 'Enabled'
  }
}

resource secret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: secretName
  properties: {
    value: secretValue
    contentType: 'CMKR_EVENTS_SHARED_SECRET'
  }
}

// Scoped to the one secret.
resource secretReader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(secret.id, identityPrincipalId, keyVaultSecretsUser)
  scope: secret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: identityPrincipalId
    principalType: 'ServicePrincipal'
  }
}

// A URI naming the secret and its version, never its value.
output secretUriWithVersion string = secret.properties.secretUriWithVersion
output vaultName string = vault.name
output secretName string = secret.name
