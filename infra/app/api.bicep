// The Flex Consumption Function App. Every connection uses the user-assigned identity: storage (the
// Functions host and the service's own queue and ledger), Application Insights ingestion, and Azure.
//
// A plain Microsoft.Web/sites resource rather than avm/res/web/site: the pinned 0.9.0 had no
// functionAppConfig parameter, and no later version's main.bicep could be read at a known version (see
// docs/deployment.md, "Module versions"). functionAppConfig on Microsoft.Web/sites@2024-04-01 is what
// Microsoft's Flex Consumption Bicep samples use, and what avm/res/web/site itself passes through.
param name string
param location string = resourceGroup().location
param tags object = {}
param applicationInsightsName string
param appServicePlanId string
param appSettings object = {}
param runtimeName string
param runtimeVersion string
param serviceName string = 'api'
param storageAccountName string
param deploymentStorageContainerName string
param instanceMemoryMB int = 2048
param maximumInstanceCount int = 40
param identityId string
param identityClientId string

resource stg 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Identity-based connection for the Functions host and the queue triggers (connection "AzureWebJobsStorage").
// AzureWebJobsStorage__accountName is what the service's own queue and ledger clients read.
var storageSettings = {
  AzureWebJobsStorage__credential: 'managedidentity'
  AzureWebJobsStorage__clientId: identityClientId
  AzureWebJobsStorage__blobServiceUri: stg.properties.primaryEndpoints.blob
  AzureWebJobsStorage__queueServiceUri: stg.properties.primaryEndpoints.queue
  AzureWebJobsStorage__tableServiceUri: stg.properties.primaryEndpoints.table
  AzureWebJobsStorage__accountName: stg.name
}

// Application Insights with local authentication off: ingestion authenticates as the identity.
var monitoringSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsights.properties.ConnectionString
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
}

// DefaultAzureCredential picks the user-assigned identity by its client id.
var identitySettings = {
  AZURE_CLIENT_ID: identityClientId
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd finds the app to deploy to by this tag.
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: appServicePlanId
    httpsOnly: true
    // Key Vault references in app settings (ticket sink tokens) resolve with the same identity.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
    }
    // A Flex Consumption app cannot be created without it: where the deployment package lives and how
    // the platform reads it, the scale limits, and the language runtime (which Flex Consumption takes
    // from here, not from FUNCTIONS_WORKER_RUNTIME).
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${stg.properties.primaryEndpoints.blob}${deploymentStorageContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: runtimeName
        version: runtimeVersion
      }
    }
  }
}

// A module, so that the current settings are read after the site exists (on the first deployment there
// are none yet).
module settings 'appSettings.bicep' = {
  name: '${serviceName}-appsettings'
  params: {
    siteName: site.name
    currentAppSettings: list('${site.id}/config/appsettings', '2024-04-01').properties
    appSettings: union(appSettings, storageSettings, monitoringSettings, identitySettings)
  }
}

output SERVICE_API_NAME string = site.name
output resourceId string = site.id
