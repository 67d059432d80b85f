// CMK remediation service: one Flex Consumption Function App per Entra tenant, its storage (queue, ledger
// table, dead-letter and deployment containers) reached only through a user-assigned managed identity,
// Application Insights on Log Analytics with Entra ID ingestion, and the Event Grid system topics that feed
// it (one per listed subscription, one per listed Key Vault).
//
// The custom roles the service needs across the tenant live in infra/roles/main.bicep, deployed by the azd
// postprovision hook: a role definition and assignment at management-group scope cannot be deployed from
// this subscription-scoped template.
//
// The HTTP API is behind App Service authentication with Microsoft Entra ID (app/api.bicep): the app
// registration and its service principal are created here through the Microsoft Graph Bicep extension
// (configured in bicepconfig.json), unless apiAppClientId names an existing registration.
targetScope = 'subscription'

// Microsoft Graph Bicep extension, GA at br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0,
// which needs Bicep v0.36.1 or later (Microsoft Graph Bicep "What's new", July 2025; learn.microsoft.com/
// graph/templates/bicep/whats-new). The alias is declared in bicepconfig.json.
extension microsoftGraphV1

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; used to derive a short unique token for resource names.')
param environmentName string

@minLength(1)
@description('Region of the Function App and its resources (a region that offers Flex Consumption).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Optional resource group name; default rg-<environmentName>.')
param resourceGroupName string = ''

@description('Subscriptions the service watches and may act on, as GUIDs separated by commas. Each gets an Event Grid system topic for ARM write and delete events.')
param subscriptionIds string = ''

@description('Management group the service may act on (its id, not its display name). Empty: only the listed subscriptions.')
param managementGroupId string = ''

@description('Key Vaults whose key events trigger rotations, as ARM resource ids separated by commas. Each gets an Event Grid system topic and an access policy letting the service read key metadata.')
param keyVaultResourceIds string = ''

@description('Create the Event Grid event subscriptions. They point at the app\'s functions, which only exist after the first code deployment: provision, deploy, then set this to true and provision again.')
param eventSubscriptionsEnabled bool = false

@description('When true the service plans and reports but writes nothing to Azure (CMKR_DRY_RUN).')
param dryRun bool = true

@allowed([
  'ticket'
  'enforce'
])
@description('CMKR_AI_SERVICES_MODE: ticket reports AI services accounts without CMK; enforce also switches CMK on where the preflight passes.')
param aiServicesMode string = 'ticket'

@allowed([
  'ticket'
  'enforce'
])
@description('CMKR_DISK_MODE: ticket reports disks with platform keys; enforce also attaches a disk encryption set to unattached disks (and needs the role deployed with diskEnforce=true).')
param diskMode string = 'ticket'

@description('CMKR_SWEEP_SCHEDULE: six-field NCRONTAB schedule of the periodic sweep (second minute hour day month weekday).')
param sweepSchedule string = '0 0 * * * *'

@description('Further app settings (ticket sink, enforce keys, exclusions...), merged over the ones this template sets. See the configuration table in README.md.')
param appSettings object = {}

// Flex Consumption limits. Microsoft's texts disagree, and these bounds follow the newest:
// - articles/azure-functions/event-driven-scaling.md (MicrosoftDocs/azure-docs, Flex Consumption pivot,
//   ms.date 08/03/2026): "Currently the lowest maximum instance count value is `1`, and the highest
//   supported maximum instance count value is `1000`", for each per-function scale group. Earlier
//   versions of the same article said `40`.
// - articles/azure-functions/flex-consumption-plan.md, Considerations (newest version read: ms.date
//   05/12/2025): "The lowest maximum scale is currently `40`"; its 05/24/2024 preview version said "The
//   lowest maximum scale in preview is `40`". So 40 is the older, preview-era floor, not a later one.
// - avm/res/web/site/0.15.1 (main.bicep) types functionAppConfig as a plain object and bounds nothing.
// The default, 40, is accepted under both texts; a lower value that a region refuses fails the
// deployment with the platform's own error (docs/deployment.md, "What cannot be verified").
@description('Upper bound of on-demand instances of each per-function scale group (Flex Consumption counts it per group, not for the whole app); the job queue is what scales the worker out.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 40

@description('System topics that already exist for a listed subscription or vault, as <source id>=<system topic id> pairs separated by commas. Event Grid allows one system topic per source, so for these sources the service adds its event subscription (and attaches its identity) to the existing topic instead of creating one.')
param existingSystemTopics string = ''

@description('Application (client) id of an existing Entra app registration for the HTTP API, for tenants where the deployer may not create applications. Empty: the template creates the registration and its service principal. The existing registration must define the app roles Remediation.Read and Remediation.Apply (docs/deployment.md).')
param apiAppClientId string = ''

@description('Identifier URI (App ID URI) of that existing registration, accepted as a token audience besides its client id and published as CMKR_API_IDENTIFIER_URI. Ignored when the template creates the registration.')
param apiAppIdentifierUri string = ''

// newGuid() is allowed only in a parameter's default value ("You can only use this function within an
// expression for the default value of a parameter", MicrosoftDocs/azure-docs, articles/
// azure-resource-manager/bicep/bicep-functions-string.md, newGuid), so each deployment draws a
// new value unless one is passed; it never appears in an output. 36 characters, 122 random bits; the
// app asks for at least 32 (src/runtime/config.ts). @secure(): kept out of the deployment history and
// logs; it reaches the app only as a Key Vault reference (app/eventsSecret.bicep).
@secure()
@description('Shared secret /api/events requires in x-cmkr-events-secret (CMKR_EVENTS_SHARED_SECRET). Default: a new random value at every provision.')
param eventsSharedSecret string = newGuid()

var abbrs = loadJsonContent('abbreviations.json')
var eventFilters = loadJsonContent('eventFilters.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}cmkr-${resourceToken}'
var deploymentStorageContainerName = 'app-package-${take(functionAppName, 32)}-${take(toLower(uniqueString(functionAppName, resourceToken)), 7)}'
var deadLetterContainerName = 'eventgrid-deadletter'
var jobQueueName = 'cmkr-jobs'
var ledgerTableName = 'cmkrledger'
var eventsResourceGroupName = '${abbrs.resourcesResourceGroups}${environmentName}-events'
var armSystemTopicName = '${abbrs.eventGridSystemTopics}arm-${resourceToken}'
var armEventSubscriptionName = '${abbrs.eventGridEventSubscriptions}cmkr-resources'
var subscriptionIdList = filter(map(split(subscriptionIds, ','), s => trim(s)), s => !empty(s))
var keyVaultIdList = filter(map(split(keyVaultResourceIds, ','), s => trim(s)), s => !empty(s))
// Keyed by the source id in lower case: ARM ids compare case-insensitively.
var existingTopicBySource = toObject(
  filter(map(split(existingSystemTopics, ','), e => trim(e)), e => !empty(e)),
  e => toLower(trim(split(e, '=')[0])),
  e => trim(split(e, '=')[1])
)

// The HTTP API's app registration. Types and properties: Microsoft.Graph/applications@v1.0 and
// Microsoft.Graph/servicePrincipals@v1.0 in microsoftgraph/msgraph-bicep-types,
// generated/microsoftgraph/microsoft.graph/v1.0/1.0.0/types.json at da9a87c1: applications requires
// displayName and uniqueName (an immutable client-provided key, so a redeployment updates the same
// registration); appRoles items { allowedMemberTypes, description, displayName, id (GUID), isEnabled,
// value }; api { requestedAccessTokenVersion, oauth2PermissionScopes }; identifierUris; signInAudience;
// owners { relationships: object ids }; appId is read-only. servicePrincipals takes appId and
// appRoleAssignmentRequired.
var createApiApp = empty(apiAppClientId)
var apiAppUniqueName = 'cmkr-api-${resourceToken}'
// api://<tenant id>/<string> is one of the identifier URI formats Entra accepts ("Restrictions on
// identifier URIs of Microsoft Entra applications", learn.microsoft.com/entra/identity-platform/
// identifier-uri-restrictions): unique through the tenant id, unlike api://<string>. Tenants whose app
// management policy blocks every URI but api://<appId> (nonDefaultUriAddition) use apiAppClientId.
var apiIdentifierUri = 'api://${tenant().tenantId}/${apiAppUniqueName}'
// Role ids are stable: derived, not drawn, so a redeployment never replaces a role (and its assignments).
// The values are the ones the code requires (src/core/auth/clientPrincipal.ts: readRole, applyRole).
var apiAppRoles = [
  {
    value: 'Remediation.Read'
    displayName: 'Read remediation plans and status'
    description: 'Dry runs and plans through POST /api/remediate, and the status of operations.'
  }
  {
    value: 'Remediation.Apply'
    displayName: 'Apply remediation plans'
    description: 'Applies plans and single-resource remediations through POST /api/remediate: writes to Azure resources.'
  }
]
var apiUserScopeId = guid('cmkr-remediation-api', 'user_impersonation')

resource apiApp 'Microsoft.Graph/applications@v1.0' = if (createApiApp) {
  uniqueName: apiAppUniqueName
  displayName: 'CMK remediation API (${environmentName})'
  signInAudience: 'AzureADMyOrg'
  identifierUris: [
    apiIdentifierUri
  ]
  appRoles: [
    for role in apiAppRoles: {
      id: guid('cmkr-remediation-api', role.value)
      value: role.value
      displayName: role.displayName
      description: role.description
      allowedMemberTypes: [
        'User'
        'Application'
      ]
      isEnabled: true
    }
  ]
  api: {
    // v2 access tokens: aud is the client id, iss https://login.microsoftonline.com/<tenant>/v2.0, the
    // issuer App Service is given below.
    requestedAccessTokenVersion: 2
    // A delegated scope so a user can get a token for the API at all (a tool such as the Azure CLI asks
    // for <identifier URI>/user_impersonation); what the user may do is still the app role's.
    oauth2PermissionScopes: [
      {
        id: apiUserScopeId
        value: 'user_impersonation'
        type: 'User'
        isEnabled: true
        adminConsentDisplayName: 'Call the CMK remediation API'
        adminConsentDescription: 'Lets the application call the CMK remediation API as the signed-in user, within the app roles the user holds.'
        userConsentDisplayName: 'Call the CMK remediation API'
        userConsentDescription: 'Lets the application call the CMK remediation API as you, within the app roles you hold.'
      }
    ]
  }
  // The deployer owns what it created, so the same principal can update it at the next provision
  // without a directory role (deployer().objectId: "The Microsoft Entra ID object ID of the principal" that
// started the deployment, user or service principal; articles/azure-resource-manager/bicep/
// bicep-functions-deployment.md).
  owners: {
    relationships: [
      deployer().objectId
    ]
  }
}

// appRoleAssignmentRequired: Entra issues tokens for the API only to users and applications holding one
// of its app roles ("Specifies whether users or other service principals need to be granted an app role
// assignment for this service principal before users can sign in or apps can get tokens").
resource apiServicePrincipal 'Microsoft.Graph/servicePrincipals@v1.0' = if (createApiApp) {
  appId: apiApp.appId
  appRoleAssignmentRequired: true
}

var apiClientId = createApiApp ? apiApp.appId : apiAppClientId

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: !empty(resourceGroupName) ? resourceGroupName : '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

// The service's only identity (ARM, Key Vault, Resource Graph, storage, Application Insights, and the
// identity Event Grid uses to write dead letters), the Flex Consumption plan and the telemetry.
module platform 'app/platform.bicep' = {
  name: 'platform'
  scope: rg
  params: {
    location: location
    tags: tags
    identityName: '${abbrs.managedIdentityUserAssignedIdentities}cmkr-${resourceToken}'
    planName: '${abbrs.webServerFarms}${resourceToken}'
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: '${abbrs.insightsComponents}${resourceToken}'
  }
}

// Every parameter and output used here exists in the module's main.bicep at this version (read at the
// tag avm/res/storage/storage-account/0.32.0 of Azure/bicep-registry-modules, commit 143600e8;
// infra/moduleVersions.json records both lists and test/unit/moduleVersions.test.ts holds this block to
// them). Not the quickstart's 0.8.3: its main.bicep (tag avm/res/storage/storage-account/0.8.3) has no
// serviceEndpoints output, which CMKR_DEAD_LETTER_CONTAINER_URL reads. Not 0.33.0: it only changes the
// child services' diagnostic settings, which this template does not use.
module storage 'br/public:avm/res/storage/storage-account:0.32.0' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    skuName: 'Standard_LRS'
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false // no account keys: every caller uses Entra ID
    defaultToOAuthAuthentication: true
    dnsEndpointType: 'Standard'
    minimumTlsVersion: 'TLS1_2'
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      defaultAction: 'Allow'
      bypass: 'AzureServices'
    }
    blobServices: {
      containers: [
        { name: deploymentStorageContainerName }
        { name: deadLetterContainerName }
      ]
    }
    queueServices: {
      queues: [
        { name: jobQueueName }
        { name: '${jobQueueName}-poison' }
      ]
    }
    tableServices: {
      tables: [
        { name: ledgerTableName }
      ]
    }
  }
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    location: location
    tags: tags
    applicationInsightsName: platform.outputs.applicationInsightsName
    appServicePlanId: platform.outputs.planId
    runtimeName: 'node'
    runtimeVersion: '22'
    storageAccountName: storage.outputs.name
    deploymentStorageContainerName: deploymentStorageContainerName
    identityId: platform.outputs.identityId
    identityClientId: platform.outputs.identityClientId
    maximumInstanceCount: maximumInstanceCount
    authClientId: apiClientId
    // The tenant's v2.0 issuer, in whichever cloud this deploys to (loginEndpoint ends with '/').
    authIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'
    authAudiences: createApiApp ? [apiIdentifierUri] : filter([apiAppIdentifierUri], u => !empty(u))
    appSettings: union(
      {
        CMKR_DRY_RUN: dryRun ? 'true' : 'false' // string(bool) would give 'True', which the app refuses
        CMKR_SCOPE_SUBSCRIPTIONS: join(subscriptionIdList, ',')
        CMKR_SCOPE_MANAGEMENT_GROUPS: managementGroupId
        CMKR_SERVICE_PRINCIPAL_ID: platform.outputs.identityPrincipalId
        CMKR_SERVICE_APP_ID: platform.outputs.identityClientId
        CMKR_AI_SERVICES_MODE: aiServicesMode
        CMKR_DISK_MODE: diskMode
        CMKR_SWEEP_SCHEDULE: sweepSchedule
        CMKR_JOB_QUEUE: jobQueueName
        CMKR_LEDGER_TABLE: ledgerTableName
        // A Key Vault reference, never the value (app/eventsSecret.bicep says why).
        CMKR_EVENTS_SHARED_SECRET: '@Microsoft.KeyVault(SecretUri=${eventsSecret.outputs.secretUriWithVersion})'
      },
      appSettings
    )
  }
}

// The events endpoint's shared secret, in a vault of the service's own that only its identity reads.
module eventsSecret 'app/eventsSecret.bicep' = {
  name: 'events-secret'
  scope: rg
  params: {
    vaultName: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    identityPrincipalId: platform.outputs.identityPrincipalId
    secretValue: eventsSharedSecret
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    appInsightsName: platform.outputs.applicationInsightsName
    deadLetterContainerName: deadLetterContainerName
    managedIdentityPrincipalId: platform.outputs.identityPrincipalId
  }
}

// One system topic per subscription, in a resource group of that subscription: "Event Grid creates a
// system topic resource in the same Azure subscription that has the event source", and "only one Azure
// Event Grid system topic is allowed per source" (MicrosoftDocs/azure-docs,
// articles/event-grid/system-topics.md). A subscription listed in existingSystemTopics keeps its topic.
module subscriptionEvents 'app/subscriptionEvents.bicep' = [
  for subId in subscriptionIdList: if (eventSubscriptionsEnabled) {
    name: 'events-${take(subId, 8)}-${resourceToken}'
    scope: subscription(subId)
    params: {
      resourceGroupName: eventsResourceGroupName
      existingSystemTopicId: existingTopicBySource[?toLower('/subscriptions/${subId}')] ?? ''
      location: location
      tags: tags
      systemTopicName: armSystemTopicName
      eventSubscriptionName: armEventSubscriptionName
      includedEventTypes: eventFilters.handledEventTypes.armSubscription
      operationNames: concat(eventFilters.armOperations.write, eventFilters.armOperations.delete)
      functionResourceId: '${api.outputs.resourceId}/functions/resourceEvents'
      identityId: platform.outputs.identityId
      deadLetterStorageAccountId: storage.outputs.resourceId
      deadLetterContainerName: deadLetterContainerName
    }
    dependsOn: [
      rbac
    ]
  }
]

// Per vault: an access policy (key get and list) for vaults that use access policies, and, once the
// functions exist, a system topic in the vault's own resource group for its key events, or the vault's
// existing topic when existingSystemTopics names one.
module vaultEvents 'app/vaultEvents.bicep' = [
  for vaultId in keyVaultIdList: {
    name: 'vault-${uniqueString(vaultId)}-${resourceToken}'
    scope: resourceGroup(split(vaultId, '/')[2], split(vaultId, '/')[4])
    params: {
      vaultName: last(split(vaultId, '/'))
      tags: tags
      systemTopicName: '${abbrs.eventGridSystemTopics}kv-${take(uniqueString(vaultId), 8)}-${resourceToken}'
      existingSystemTopicId: existingTopicBySource[?toLower(vaultId)] ?? ''
      eventSubscriptionName: '${abbrs.eventGridEventSubscriptions}cmkr-keys'
      eventSubscriptionEnabled: eventSubscriptionsEnabled
      includedEventTypes: eventFilters.handledEventTypes.keyVault
      functionResourceId: '${api.outputs.resourceId}/functions/keyVaultEvents'
      identityId: platform.outputs.identityId
      identityPrincipalId: platform.outputs.identityPrincipalId
      deadLetterStorageAccountId: storage.outputs.resourceId
      deadLetterContainerName: deadLetterContainerName
    }
    dependsOn: [
      rbac
    ]
  }
]

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output SERVICE_API_NAME string = api.outputs.SERVICE_API_NAME
output AZURE_FUNCTION_NAME string = api.outputs.SERVICE_API_NAME
output APPLICATIONINSIGHTS_CONNECTION_STRING string = platform.outputs.applicationInsightsConnectionString
output CMKR_IDENTITY_PRINCIPAL_ID string = platform.outputs.identityPrincipalId
output CMKR_IDENTITY_CLIENT_ID string = platform.outputs.identityClientId
output CMKR_DISK_MODE string = diskMode
output CMKR_DEAD_LETTER_CONTAINER_URL string = '${storage.outputs.serviceEndpoints.blob}${deadLetterContainerName}'
// What infra/policy/main.bicep needs to create the same topic, under the same names, in new subscriptions.
output CMKR_FUNCTION_APP_ID string = api.outputs.resourceId
output CMKR_IDENTITY_ID string = platform.outputs.identityId
output CMKR_STORAGE_ACCOUNT_ID string = storage.outputs.resourceId
output CMKR_EVENTS_RESOURCE_GROUP string = eventsResourceGroupName
output CMKR_ARM_SYSTEM_TOPIC string = armSystemTopicName
output CMKR_ARM_EVENT_SUBSCRIPTION string = armEventSubscriptionName
// Who may call the HTTP API is decided by app roles on this registration (docs/deployment.md, "HTTP API
// authentication"). Identifiers only: the events secret is never an output.
output CMKR_API_CLIENT_ID string = apiClientId
output CMKR_API_IDENTIFIER_URI string = createApiApp ? apiIdentifierUri : apiAppIdentifierUri
output CMKR_EVENTS_SECRET_VAULT string = eventsSecret.outputs.vaultName
