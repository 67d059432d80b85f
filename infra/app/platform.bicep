// The service's identity, its Flex Consumption plan and its telemetry, declared as plain resources.
//
// Why not Azure Verified Modules here: infra/moduleVersions.json keeps only modules whose main.bicep was
// read at the pinned version. For avm/res/managed-identity/user-assigned-identity,
// avm/res/web/serverfarm, avm/res/operational-insights/workspace and avm/res/insights/component no
// source at a known version could be read (docs/deployment.md, "Module versions"), and each of these is
// one resource with a handful of properties, so the resource types themselves are the smaller thing to
// get right.
param location string
param tags object = {}
param identityName string
param planName string
param logAnalyticsName string
param applicationInsightsName string

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

// Flex Consumption plan as Microsoft documents it: kind functionapp, SKU FC1 in tier FlexConsumption,
// reserved (Linux). Source: MicrosoftDocs/azure-docs, reliability article for Azure Functions (Bicep
// snippet `flexFuncPlan 'Microsoft.Web/serverfarms@2024-04-01'`).
resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2022-10-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: applicationInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Ingestion only with Entra ID (APPLICATIONINSIGHTS_AUTHENTICATION_STRING): the instrumentation key in
    // the connection string is then not enough to send telemetry.
    DisableLocalAuth: true
  }
}

output identityId string = identity.id
output identityPrincipalId string = identity.properties.principalId
output identityClientId string = identity.properties.clientId
output planId string = plan.id
output applicationInsightsName string = applicationInsights.name
output applicationInsightsConnectionString string = applicationInsights.properties.ConnectionString
