// The Flex Consumption Function App. Every connection uses the user-assigned identity: storage (the
// Functions host and the service's own queue and ledger), Application Insights ingestion, and Azure.
//
// avm/res/web/site at 0.15.1, the version Microsoft's Functions TypeScript azd quickstart pins
// (Azure-Samples/functions-quickstart-typescript-azd, infra/app/api.bicep at cba39229). Read at the tag
// avm/res/web/site/0.15.1 in Azure/bicep-registry-modules: main.bicep passes functionAppConfig (added in
// 0.10.0) to the site as it is, and app settings are its appSettingsKeyValuePairs parameter (replaced by
// `configs` from 0.16.0 on).
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

// Settings: config--appsettings/main.bicep at the same tag writes sites/config 'appsettings' as
// union(currentAppSettings, appSettingsKeyValuePairs, ...), where main.bicep passes as currentAppSettings
// a list() of the app's settings at deployment time. So a setting added by hand (portal, `az functionapp
// config appsettings set`) survives `azd provision`, and only the keys set here are overwritten. Its
// storage and Application Insights shortcuts (storageAccountResourceId, appInsightResourceId) are not
// used: every connection setting is written below, with the identity's client id.
module site 'br/public:avm/res/web/site:0.15.1' = {
  name: '${serviceName}-site'
  params: {
    name: name
    location: location
    // azd finds the app to deploy to by this tag.
    tags: union(tags, { 'azd-service-name': serviceName })
    kind: 'functionapp,linux'
    serverFarmResourceId: appServicePlanId
    managedIdentities: {
      userAssignedResourceIds: [
        identityId
      ]
    }
    httpsOnly: true
    // Key Vault references in app settings (ticket sink tokens) resolve with the same identity.
    keyVaultAccessIdentityResourceId: identityId
    // Replaces the module's whole default ({ alwaysOn: true, minTlsVersion: '1.2', ftpsState: 'FtpsOnly' }):
    // the plain site set only minTlsVersion, and the quickstart passes alwaysOn false on Flex Consumption.
    siteConfig: {
      alwaysOn: false
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
    appSettingsKeyValuePairs: union(appSettings, storageSettings, monitoringSettings, identitySettings)
  }
}

output SERVICE_API_NAME string = site.outputs.name
output resourceId string = site.outputs.resourceId
