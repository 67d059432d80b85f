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
@description('Application (client) id of the API\'s Entra app registration: App Service authentication validates tokens issued for it.')
param authClientId string
@description('The tenant\'s token issuer, https://login.microsoftonline.com/<tenant id>/v2.0 in the public cloud.')
param authIssuer string
@description('Token audiences accepted besides the client id (the API\'s identifier URI).')
param authAudiences string[]

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

// App Service authentication (EasyAuth v2) in front of every HTTP route, Microsoft Entra ID as the one
// provider. The module passes authSettingV2Configuration unchanged as the properties of
// Microsoft.Web/sites/config 'authsettingsV2' (config--authsettingsv2/main.bicep of avm/res/web/site,
// read at Azure/bicep-registry-modules commit 23dfdaa0; main.bicep at 0.15.1 deploys it when the object is
// not empty). Property names: MicrosoftDocs/azure-docs-ref (azure/templates/microsoft.web/sites/
// config-authsettingsv2): globalValidation { requireAuthentication, unauthenticatedClientAction,
// excludedPaths }, identityProviders.azureActiveDirectory { enabled, registration { clientId,
// openIdIssuer }, validation { allowedAudiences } }, login.tokenStore.enabled, httpSettings.requireHttps.
// unauthenticatedClientAction values "RedirectToLoginPage|AllowAnonymous|Return401|Return403"
// (MicrosoftDocs/azure-docs, articles/app-service/configure-authentication-file-based.md): Return401,
// since every caller is a program holding a bearer token, never a browser to redirect.
//
// App Service validates the token (issuer, audience, signature, lifetime) and passes the caller to the
// code in X-MS-CLIENT-PRINCIPAL; the code then requires the app role (src/core/auth/clientPrincipal.ts:
// Remediation.Read, Remediation.Apply). A request without a valid token is answered 401 before any
// function runs.
//
// Two paths authenticate themselves and are excluded, nothing else:
// - /api/events: Event Grid webhook deliveries carry no Entra token. They carry the shared secret
//   CMKR_EVENTS_SHARED_SECRET (x-cmkr-events-secret, checked in constant time by the handler), and
//   Event Grid's validation handshakes (OPTIONS, SubscriptionValidation) must be answered without one.
// - /runtime/webhooks/eventgrid: where Event Grid delivers to the app's Event Grid triggers, the
//   destination of this template's event subscriptions (endpointType AzureFunction). The Functions host
//   requires the eventgrid_extension system key in the URL ("https://{functionappname}.azurewebsites.net/
//   runtime/webhooks/eventgrid?functionName={functionname}&code={systemkey}", MicrosoftDocs/azure-docs,
//   articles/azure-functions/event-grid-how-tos.md). Without the exclusion App Service answers those
//   deliveries 401 (reported for an Event Grid-triggered function once authentication was switched on:
//   MicrosoftDocs/azure-docs issue 99036), and every ARM and key event would end as a dead letter.
// The HTTP functions keep authLevel "function": a caller also needs a function key.
var authSettings = {
  platform: {
    enabled: true
  }
  globalValidation: {
    requireAuthentication: true
    unauthenticatedClientAction: 'Return401'
    excludedPaths: [
      '/api/events'
      '/runtime/webhooks/eventgrid'
    ]
  }
  httpSettings: {
    requireHttps: true
  }
  identityProviders: {
    azureActiveDirectory: {
      enabled: true
      registration: {
        clientId: authClientId
        openIdIssuer: authIssuer
      }
      validation: {
        allowedAudiences: union([authClientId], authAudiences)
      }
    }
  }
  // No sign-in flow, so no session tokens to keep.
  login: {
    tokenStore: {
      enabled: false
    }
  }
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
    authSettingV2Configuration: authSettings
  }
}

output SERVICE_API_NAME string = site.outputs.name
output resourceId string = site.outputs.resourceId
