// The service's identity, its Flex Consumption plan and its telemetry, as Azure Verified Modules.
//
// Each module is pinned at the version Microsoft's own Functions TypeScript azd quickstart pins
// (Azure-Samples/functions-quickstart-typescript-azd, infra/main.bicep at cba39229), and every parameter
// passed and output read below is declared by the module's main.bicep at that tag in
// Azure/bicep-registry-modules (tag and commit in infra/moduleVersions.json, held to these blocks by
// test/unit/moduleVersions.test.ts).
param location string
param tags object = {}
param identityName string
param planName string
param logAnalyticsName string
param applicationInsightsName string

// avm/res/managed-identity/user-assigned-identity/0.4.1: main.bicep
module identity 'br/public:avm/res/managed-identity/user-assigned-identity:0.4.1' = {
  name: 'identity'
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

// avm/res/web/serverfarm/0.1.1: main.bicep. Its `sku` is an object passed to the resource as it is, so
// the plan is what Microsoft documents for Flex Consumption: SKU FC1 in tier FlexConsumption, reserved
// (Linux). `kind` only allows App, Elastic, FunctionApp, Windows and Linux at this version; FunctionApp is
// the plain resource's 'functionapp' (the resource provider ignores its case).
module plan 'br/public:avm/res/web/serverfarm:0.1.1' = {
  name: 'plan'
  params: {
    name: planName
    location: location
    tags: tags
    kind: 'FunctionApp'
    sku: {
      name: 'FC1'
      tier: 'FlexConsumption'
    }
    reserved: true
  }
}

// avm/res/operational-insights/workspace/0.11.1: main.bicep. Two of its defaults differ from an unset
// property of the resource and are set here: forceCmkForQuery (true in the module: customer-managed
// storage mandatory for query management, which this template does not link) is set false as on the
// plain workspace, and disableLocalAuth (true in the module) is stated: nothing in the service uses the
// workspace's keys.
module logAnalytics 'br/public:avm/res/operational-insights/workspace:0.11.1' = {
  name: 'logAnalytics'
  params: {
    name: logAnalyticsName
    location: location
    tags: tags
    skuName: 'PerGB2018'
    dataRetention: 30
    forceCmkForQuery: false
    features: {
      disableLocalAuth: true
    }
  }
}

// avm/res/insights/component/0.6.0: main.bicep. Ingestion only with Entra ID (disableLocalAuth; the app
// sends APPLICATIONINSIGHTS_AUTHENTICATION_STRING and its identity holds Monitoring Metrics Publisher on
// the component, infra/app/rbac.bicep): the instrumentation key in the connection string is then not
// enough to send telemetry. The module always sends DisableIpMasking (default true) and RetentionInDays
// (default 365): IP masking stays on as on the plain component, and retention is the workspace's 30 days.
module applicationInsights 'br/public:avm/res/insights/component:0.6.0' = {
  name: 'applicationInsights'
  params: {
    name: applicationInsightsName
    location: location
    tags: tags
    kind: 'web'
    applicationType: 'web'
    workspaceResourceId: logAnalytics.outputs.resourceId
    disableLocalAuth: true
    disableIpMasking: false
    retentionInDays: 30
  }
}

output identityId string = identity.outputs.resourceId
output identityPrincipalId string = identity.outputs.principalId
output identityClientId string = identity.outputs.clientId
output planId string = plan.outputs.resourceId
output applicationInsightsName string = applicationInsights.outputs.name
output applicationInsightsConnectionString string = applicationInsights.outputs.connectionString
