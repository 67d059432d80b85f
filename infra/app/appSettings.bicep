// The app settings of the Function App. A PUT of sites/config 'appsettings' replaces the whole set, so the
// settings already on the app are merged under the template's: a setting added by hand (in the portal or
// with `az functionapp config appsettings set`) survives `azd provision`, and only the keys the template
// sets are overwritten. The same merge avm/res/web/site does with its currentAppSettings parameter.
param siteName string
@description('The settings on the app now: list() of {site}/config/appsettings, read by the caller.')
param currentAppSettings object
@description('The settings this template sets; they win over currentAppSettings.')
param appSettings object

resource site 'Microsoft.Web/sites@2024-04-01' existing = {
  name: siteName
}

resource config 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: union(currentAppSettings, appSettings)
}
