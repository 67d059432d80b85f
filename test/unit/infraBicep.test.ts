import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import eventFilters from "../../infra/eventFilters.json" with { type: "json" };
import roleActions from "../../infra/roleActions.json" with { type: "json" };
import { ConfigError, describeSettings, loadConfig } from "../../src/runtime/config.js";
import { applyRole, readRole } from "../../src/core/auth/clientPrincipal.js";
import { EventTypes, handledEventTypes } from "../../src/core/events/eventTypes.js";

/**
 * No Bicep compiler runs here, so these checks hold the templates to what the product relies on: the Event
 * Grid filters and the role come from the JSON files the code and tests read, names come from
 * abbreviations.json, every parameter is used, AVM modules are pinned, and every app setting the
 * templates set is documented.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const infra = path.join(root, "infra");
const read = (file: string): string => readFileSync(path.join(root, file), "utf8");

function bicepFiles(dir = infra): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return bicepFiles(full);
    return entry.name.endsWith(".bicep") ? [path.relative(root, full)] : [];
  });
}

/** Bicep source without `//` comments (none of the templates use `//` inside strings except URLs). */
function code(file: string): string {
  return read(file)
    .split("\n")
    .map((line) => line.replace(/(^|\s)\/\/.*$/, ""))
    .join("\n");
}

const bicep = bicepFiles();
const operationNames = [...eventFilters.armOperations.write, ...eventFilters.armOperations.delete];
const handledTypes = [
  ...handledEventTypes.armSubscription,
  ...handledEventTypes.keyVault,
  ...handledEventTypes.resourceNotifications,
];

/** The names a function file registers with `app.eventGrid("<name>", ...)`. */
function eventGridFunctionName(file: string): string {
  const match = /app\.eventGrid\("([^"]+)"/.exec(read(file));
  if (match?.[1] === undefined) throw new Error(`${file} registers no Event Grid function`);
  return match[1];
}

describe("infra/*.bicep", () => {
  it("finds the templates", () => {
    expect(bicep.toSorted()).toEqual(
      [
        "infra/app/api.bicep",
        "infra/app/eventsSecret.bicep",
        "infra/app/existingSystemTopic.bicep",
        "infra/app/platform.bicep",
        "infra/app/rbac.bicep",
        "infra/app/subscriptionEvents.bicep",
        "infra/app/systemTopicEvents.bicep",
        "infra/app/vaultEvents.bicep",
        "infra/main.bicep",
        "infra/policy/main.bicep",
        "infra/roles/main.bicep",
      ].map((f) => f.split("/").join(path.sep)),
    );
  });

  it.each(bicep)("%s uses every parameter it declares", (file) => {
    const source = code(file);
    const params = [...source.matchAll(/^param (\w+)/gm)].map((m) => m[1] ?? "");
    expect(params.length).toBeGreaterThan(0);
    const unused = params.filter((p) => (source.match(new RegExp(`\\b${p}\\b`, "g")) ?? []).length < 2);
    expect(unused).toEqual([]);
  });

  it.each(bicep)("%s references modules and JSON files that exist", (file) => {
    const source = code(file);
    const dir = path.dirname(path.join(root, file));
    const local = [
      ...source.matchAll(/^module \w+ '([^']+\.bicep)'/gm),
      ...source.matchAll(/loadJsonContent\('([^']+)'\)/g),
    ].map((m) => m[1] ?? "");
    for (const ref of local) expect(existsSync(path.join(dir, ref)), `${file} -> ${ref}`).toBe(true);
  });

  it.each(bicep)("%s pins every Azure Verified Module to a version", (file) => {
    for (const [, ref] of code(file).matchAll(/'(br\/public:[^']+)'/g)) {
      expect(ref).toMatch(/^br\/public:avm\/(res|ptn|utl)\/[a-z0-9-]+\/[a-z0-9-]+:\d+\.\d+\.\d+$/);
    }
  });

  it("names resources through abbreviations.json, and every abbreviation is used", () => {
    const abbreviations = JSON.parse(read("infra/abbreviations.json")) as Record<string, string>;
    const used = new Set([...code("infra/main.bicep").matchAll(/abbrs\.(\w+)/g)].map((m) => m[1] ?? ""));
    expect([...used].toSorted()).toEqual(Object.keys(abbreviations).toSorted());
  });

  it("passes every main.bicep parameter without a default through main.parameters.json, and nothing else", () => {
    const source = code("infra/main.bicep");
    const declared = [...source.matchAll(/^param (\w+) \w+( =)?/gm)];
    const required = declared.filter((m) => m[2] === undefined).map((m) => m[1] ?? "");
    const parameters = (
      JSON.parse(read("infra/main.parameters.json")) as { parameters: Record<string, { value: unknown }> }
    ).parameters;
    for (const name of required) expect(Object.keys(parameters)).toContain(name);
    expect(declared.map((m) => m[1])).toEqual(expect.arrayContaining(Object.keys(parameters)));
  });
});

describe("Event Grid subscriptions", () => {
  const main = code("infra/main.bicep");

  it("take event types and operation names from infra/eventFilters.json, the file the triage code reads", () => {
    expect(main).toContain("loadJsonContent('eventFilters.json')");
    expect(main).toContain("includedEventTypes: eventFilters.handledEventTypes.armSubscription");
    expect(main).toContain(
      "operationNames: concat(eventFilters.armOperations.write, eventFilters.armOperations.delete)",
    );
    expect(main).toContain("includedEventTypes: eventFilters.handledEventTypes.keyVault");
    expect(code("infra/app/subscriptionEvents.bicep")).toMatch(
      /operatorType: 'StringIn'\s+key: 'data\.operationName'\s+values: operationNames/,
    );
  });

  it("hard-code no event type or operation name anywhere in infra/ (Bicep or policy JSON)", () => {
    const policy = read("infra/policy/eventGridSubscriptionTopic.json");
    for (const file of bicep) {
      const source = code(file).toLowerCase();
      for (const name of [...operationNames, ...handledTypes])
        expect(source).not.toContain(name.toLowerCase());
    }
    for (const name of [...operationNames, ...handledTypes]) expect(policy).not.toContain(name);
  });

  it("handle exactly the event types src/core/events handles for each topic", () => {
    expect(handledEventTypes.armSubscription.toSorted()).toEqual(
      [EventTypes.ResourceWriteSuccess, EventTypes.ResourceDeleteSuccess].toSorted(),
    );
    expect(handledEventTypes.keyVault.toSorted()).toEqual(
      [EventTypes.KeyNewVersionCreated, EventTypes.KeyNearExpiry, EventTypes.KeyExpired].toSorted(),
    );
  });

  it("stay within Event Grid's limit of 25 advanced filter values per event subscription", () => {
    // Event Grid's advanced-filtering limits (event-filtering.md): 25 advanced filters and 25 filter values
    // across all of them per event subscription, 512 characters per string value.
    expect(operationNames.length).toBeLessThanOrEqual(25);
    for (const name of operationNames) expect(name.length).toBeLessThanOrEqual(512);
    expect(code("infra/app/subscriptionEvents.bicep")).toMatch(/@maxLength\(25\)\s+param operationNames/);
  });

  it("deliver to the app's Event Grid functions by their registered names", () => {
    expect(main).toContain(`/functions/${eventGridFunctionName("functions/resourceEvents.ts")}'`);
    expect(main).toContain(`/functions/${eventGridFunctionName("functions/keyVaultEvents.ts")}'`);
    expect(code("infra/policy/main.bicep")).toContain(
      `/functions/${eventGridFunctionName("functions/resourceEvents.ts")}'`,
    );
  });

  it("are all declared in one module, with retries and dead-lettering as the service identity", () => {
    const declaring = bicep.filter((f) =>
      code(f).includes("'Microsoft.EventGrid/systemTopics/eventSubscriptions@"),
    );
    expect(declaring).toEqual([path.join("infra", "app", "systemTopicEvents.bicep")]);
    const module = code("infra/app/systemTopicEvents.bicep");
    expect(module).toMatch(/retryPolicy: \{\s+maxDeliveryAttempts: 30/);
    expect(module).toMatch(/deadLetterWithResourceIdentity: \{\s+identity: \{\s+type: 'UserAssigned'/);
    expect(module).toContain("endpointType: 'AzureFunction'");
    const policy = read("infra/policy/eventGridSubscriptionTopic.json");
    expect(policy).toContain('"deadLetterWithResourceIdentity"');
    expect(policy).toContain('"retryPolicy"');
  });

  it("create one subscription topic per listed subscription and one vault topic in each vault's resource group", () => {
    expect(main).toMatch(
      /for subId in subscriptionIdList: if \(eventSubscriptionsEnabled\)[\s\S]*?scope: subscription\(subId\)/,
    );
    expect(main).toMatch(
      /for vaultId in keyVaultIdList:[\s\S]*?scope: resourceGroup\(split\(vaultId, '\/'\)\[2\], split\(vaultId, '\/'\)\[4\]\)/,
    );
  });
});

describe("onboarding policy", () => {
  const definition = JSON.parse(read("infra/policy/eventGridSubscriptionTopic.json")) as {
    properties: {
      parameters: Record<string, { defaultValue?: unknown }>;
      policyRule: { then: { details: { roleDefinitionIds: string[] } } };
    };
  };

  it("is assigned with a value for every parameter that has no default", () => {
    const assignment = code("infra/policy/main.bicep");
    const block = assignment.slice(assignment.indexOf("parameters: {"));
    for (const [name, parameter] of Object.entries(definition.properties.parameters)) {
      if (parameter.defaultValue === undefined) expect(block).toMatch(new RegExp(`\\b${name}: \\{ value: `));
    }
  });

  it("gives the assignment's identity the role the definition declares", () => {
    const roles = definition.properties.policyRule.then.details.roleDefinitionIds.map((id) =>
      id.split("/").pop(),
    );
    expect(roles).toHaveLength(1);
    expect(code("infra/policy/main.bicep")).toContain(`'${roles[0] ?? ""}'`);
  });
});

describe("roles and settings", () => {
  it("the roles are built from infra/roleActions.json with no action written in Bicep", () => {
    const roles = code("infra/roles/main.bicep");
    expect(roles).toContain("loadJsonContent('../roleActions.json')");
    expect(roles).toContain("concat(role.actions, diskEnforce ? role.enforceActions : [])");
    expect(roles).toContain("dataActions: role.dataActions");
    for (const action of [
      ...roleActions.actions,
      ...roleActions.enforceActions,
      ...roleActions.dataActions,
    ]) {
      expect(roles).not.toContain(action);
    }
  });

  it("the role assigned at the management group carries no data action, and the key reader nothing else", () => {
    // Custom roles with DataActions cannot be assigned at management-group scope (custom-roles.md).
    const roles = code("infra/roles/main.bicep");
    const definitions = [
      ...roles.matchAll(/^resource (\w+) 'Microsoft\.Authorization\/roleDefinitions@/gm),
    ].map((m) => m[1] ?? "");
    expect(definitions.toSorted()).toEqual(["controlRole", "keyReaderRole"]);
    const body = (name: string): string => {
      const start = roles.indexOf(`resource ${name} `);
      const next = roles.indexOf("\nresource ", start + 1);
      return roles.slice(start, next === -1 ? undefined : next);
    };
    expect(body("controlRole")).toMatch(/\bdataActions: \[\]/);
    expect(body("keyReaderRole")).toMatch(/\bactions: \[\]/);
    expect(body("keyReaderRole")).toContain("dataActions: role.dataActions");
    // The only assignment in the template (at the management group) is the control-plane role's.
    const assignments = [...roles.matchAll(/roleDefinitionId: (\w+)\.id/g)].map((m) => m[1]);
    expect(assignments).toEqual(["controlRole"]);
    expect(roles).not.toMatch(/includeDataActions/);
    expect(roles).toMatch(/output keyReaderRoleDefinitionName string = keyReaderRole\.name/);
    expect(roleActions.dataActions).toEqual(["Microsoft.KeyVault/vaults/keys/read"]);
    expect(roleActions.keyReader.roleName).not.toBe(roleActions.roleName);
  });

  it("boolean settings reach the app as the lower-case words its configuration accepts", () => {
    // ARM's string() of a bool is 'True'/'False'; src/runtime/config.ts accepts true/false/1/0/yes/no only.
    const main = code("infra/main.bicep");
    expect(main).toContain("CMKR_DRY_RUN: dryRun ? 'true' : 'false'");
    expect(main).not.toMatch(/string\(\w+\)/);
    expect(loadConfig({ CMKR_DRY_RUN: "false" }).CMKR_DRY_RUN).toBe(false);
    expect(() => loadConfig({ CMKR_DRY_RUN: "False" })).toThrow(/CMKR_DRY_RUN/);
  });

  it("every app setting the templates set is explained in docs/configuration.md or docs/deployment.md", () => {
    const configuration = read("docs/configuration.md");
    const settings = new Set<string>();
    for (const file of ["infra/main.bicep", "infra/app/api.bicep"]) {
      for (const [, name] of code(file).matchAll(
        /^\s+((?:CMKR|APPLICATIONINSIGHTS|AZURE|AzureWebJobsStorage)\w*): /gm,
      )) {
        settings.add(name ?? "");
      }
    }
    expect(settings.size).toBeGreaterThan(10);
    const configTable = new Set(describeSettings().map((s) => s.name));
    const deployment = read("docs/deployment.md");
    for (const name of settings) {
      expect(
        configTable.has(name) ? configuration : deployment,
        `${name} is set by infra/ but not explained in docs/configuration.md or docs/deployment.md`,
      ).toContain(`\`${name}\``);
    }
  });

  it("docs/deployment.md lists exactly the roles' actions, each under the role that carries it", () => {
    const doc = read("docs/deployment.md");
    const start = doc.indexOf("\n## Permissions");
    expect(start).toBeGreaterThan(0);
    const end = doc.indexOf("\n## ", start + 1);
    const section = doc.slice(start, end === -1 ? undefined : end);
    const rows = [...section.matchAll(/^\| `(Microsoft\.[^`]+)` \| ([^|]+) \|/gm)].map((m) => ({
      action: m[1] ?? "",
      kind: (m[2] ?? "").trim(),
    }));
    expect(rows.map((r) => r.action).toSorted()).toEqual(
      [...roleActions.actions, ...roleActions.enforceActions, ...roleActions.dataActions].toSorted(),
    );
    for (const row of rows) {
      const data = roleActions.dataActions.includes(row.action);
      expect(row.kind, row.action).toMatch(
        data ? /^data action, key-reader role/ : /^action, control-plane role/,
      );
    }
  });

  it("README.md points to docs/deployment.md instead of holding the deployment guide", () => {
    const readme = read("README.md");
    const start = readme.indexOf("\n## Deployment");
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf("\n## ", start + 1);
    const section = readme.slice(start, end).trim().split("\n").slice(1).join("\n").trim();
    expect(section.split("\n").length).toBeLessThanOrEqual(3);
    expect(section).toContain("(docs/deployment.md)");
    expect(readme).not.toMatch(/\]\(#deployment\)/);
  });

  it("azure.yaml deploys the Functions service and runs the role hook that exists", () => {
    const yaml = read("azure.yaml");
    expect(yaml).toMatch(/services:\n {2}api:\n {4}project: \.\n {4}language: (ts|js)\n {4}host: function/);
    // The bundle is built locally; azd defaults remoteBuild to true for a JS/TS function app.
    expect(yaml).toMatch(/\n {4}remoteBuild: false\n/);
    // The deployed folder is the one `npm run bundle` writes.
    const dist = /\n {4}dist: (\S+)\n/.exec(yaml)?.[1];
    const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
    expect(scripts.bundle).toBeDefined();
    expect(dist).toBe("dist-app");
    expect(read("bench/bundleApp.ts")).toContain(`path.join(root, "${dist ?? ""}")`);
    expect(yaml).toContain("prepackage:");
    expect([...yaml.matchAll(/run: npm run bundle/g)]).toHaveLength(2);
    const hooks = [...yaml.matchAll(/run: (infra\/scripts\/\S+)/g)].map((m) => m[1] ?? "");
    expect(hooks).toEqual(["infra/scripts/deployRole.sh", "infra/scripts/deployRole.ps1"]);
    for (const hook of hooks) {
      expect(existsSync(path.join(root, hook))).toBe(true);
      expect(read(hook)).toMatch(/--template-file'?,? '?infra\/roles\/main\.bicep/);
      expect(read(hook)).toContain("CMKR_IDENTITY_PRINCIPAL_ID");
      // The key reader goes on each listed subscription and vault, not on the management group.
      expect(read(hook)).toMatch(/role'?,? '?assignment'?,? '?create/);
      expect(read(hook)).toContain("CMKR_SUBSCRIPTION_IDS");
      expect(read(hook)).toContain("CMKR_KEY_VAULT_IDS");
      expect(read(hook)).toContain("keyReaderRoleDefinitionName");
      expect(read(hook)).toContain("RoleDefinitionDoesNotExist");
    }
  });
});

describe("Flex Consumption app", () => {
  it("bounds maximumInstanceCount by the documented limits (1 to 1000) and passes it to functionAppConfig", () => {
    // MicrosoftDocs/azure-docs, articles/azure-functions/event-driven-scaling.md (Flex Consumption pivot,
    // ms.date 08/03/2026): "Currently the lowest maximum instance count value is `1`, and the highest
    // supported maximum instance count value is `1000`". flex-consumption-plan.md still said 40 in its
    // newest version read (05/12/2025, and "in preview" before): infra/main.bicep cites both.
    const main = code("infra/main.bicep");
    const declaration = /((?:@\w+\([^)]*\)\s*)+)param maximumInstanceCount int = (\d+)/.exec(main);
    expect(declaration).not.toBeNull();
    const decorators = declaration?.[1] ?? "";
    const min = Number(/@minValue\((\d+)\)/.exec(decorators)?.[1]);
    const max = Number(/@maxValue\((\d+)\)/.exec(decorators)?.[1]);
    expect([min, max]).toEqual([1, 1000]);
    const fallback = Number(declaration?.[2]);
    expect(fallback).toBeGreaterThanOrEqual(min);
    expect(fallback).toBeLessThanOrEqual(max);
    // The default also satisfies the older floor of 40.
    expect(fallback).toBeGreaterThanOrEqual(40);
    expect(read("infra/main.bicep")).toContain("event-driven-scaling.md");
    expect(read("infra/main.bicep")).toContain("flex-consumption-plan.md");
    expect(main).toContain("maximumInstanceCount: maximumInstanceCount");
    expect(code("infra/app/api.bicep")).toMatch(
      /scaleAndConcurrency: \{\s+instanceMemoryMB: instanceMemoryMB\s+maximumInstanceCount: maximumInstanceCount/,
    );
  });

  it("is avm/res/web/site with functionAppConfig: identity-read package, Node 22, identity everywhere", () => {
    const api = code("infra/app/api.bicep");
    expect(api).toMatch(/^module site 'br\/public:avm\/res\/web\/site:[\d.]+' = \{/m);
    expect(api).not.toMatch(/'Microsoft\.Web\/sites@[^']+' = /);
    expect(api).toContain("kind: 'functionapp,linux'");
    expect(api).toMatch(/managedIdentities: \{\s+userAssignedResourceIds: \[\s+identityId\s+\]\s+\}/);
    expect(api).toContain("keyVaultAccessIdentityResourceId: identityId");
    expect(api).toMatch(
      /functionAppConfig: \{\s+deployment: \{\s+storage: \{\s+type: 'blobContainer'[\s\S]*?authentication: \{\s+type: 'UserAssignedIdentity'\s+userAssignedIdentityResourceId: identityId/,
    );
    expect(api).toMatch(/runtime: \{\s+name: runtimeName\s+version: runtimeVersion/);
    expect(api).toContain("instanceMemoryMB int = 2048");
    const main = code("infra/main.bicep");
    expect(main).toContain("runtimeName: 'node'");
    expect(main).toContain("runtimeVersion: '22'");
    expect(main).toContain("allowSharedKeyAccess: false");
    expect(code("infra/app/platform.bicep")).toMatch(
      /sku: \{\s+name: 'FC1'\s+tier: 'FlexConsumption'\s+\}\s+reserved: true/,
    );
  });

  it("passes app settings the module merges over the ones already on the app (docs/deployment.md says so)", () => {
    // Settings changed by hand survive `azd provision` only because the pinned web/site version writes
    // union(currentAppSettings, appSettingsKeyValuePairs, ...): true from 0.10.0 (functionAppConfig) to
    // 0.15.x; from 0.16.0 on settings are passed through `configs` instead.
    const api = code("infra/app/api.bicep");
    expect(api).toContain(
      "appSettingsKeyValuePairs: union(appSettings, storageSettings, monitoringSettings, identitySettings)",
    );
    expect(api).not.toMatch(/\b(storageAccountResourceId|appInsightResourceId):/);
    const site = (
      JSON.parse(read("infra/moduleVersions.json")) as {
        modules: Record<string, { version: string; valuesChecked: Record<string, string> }>;
      }
    ).modules["avm/res/web/site"];
    const [major = 0, minor = 0] = (site?.version ?? "").split(".").map(Number);
    expect(major).toBe(0);
    expect(minor).toBeGreaterThanOrEqual(10);
    expect(minor).toBeLessThan(16);
    expect(site?.valuesChecked.appSettingsKeyValuePairs).toContain(
      "union(currentAppSettings, appSettingsKeyValuePairs",
    );
    expect(read("docs/deployment.md")).toMatch(/a setting added by hand[^.]*stays/);
  });

  it("sends telemetry to Application Insights with Entra ID only, as the identity", () => {
    const platform = code("infra/app/platform.bicep");
    const component = platform.slice(platform.indexOf("module applicationInsights "));
    expect(component).toMatch(/^module applicationInsights 'br\/public:avm\/res\/insights\/component:/);
    expect(component).toContain("disableLocalAuth: true");
    expect(code("infra/app/api.bicep")).toContain(
      "APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'",
    );
    const rbac = code("infra/app/rbac.bicep");
    expect(rbac).toContain("monitoringMetricsPublisher = '3913510d-42f4-4e42-8a64-420c390055eb'");
    expect(rbac).toMatch(
      /scope: applicationInsights\s+properties: \{\s+roleDefinitionId: [^\n]*monitoringMetricsPublisher/,
    );
  });
});

describe("existing system topics", () => {
  it("are looked up per source, for subscriptions and vaults, from one azd value", () => {
    const main = code("infra/main.bicep");
    expect(JSON.parse(read("infra/main.parameters.json"))).toMatchObject({
      parameters: { existingSystemTopics: { value: "${CMKR_EXISTING_SYSTEM_TOPICS=}" } },
    });
    expect(main).toContain(
      "existingSystemTopicId: existingTopicBySource[?toLower('/subscriptions/${subId}')] ?? ''",
    );
    expect(main).toContain("existingSystemTopicId: existingTopicBySource[?toLower(vaultId)] ?? ''");
  });

  it.each(["infra/app/subscriptionEvents.bicep", "infra/app/vaultEvents.bicep"])(
    "%s reuses the named topic in its own resource group and keeps what it has",
    (file) => {
      const source = code(file);
      expect(source).toContain("var reuse = !empty(existingSystemTopicId)");
      expect(source).toContain("split(existingSystemTopicId, '/')[4]");
      expect(source).toMatch(/module existingTopic 'existingSystemTopic\.bicep' = if \([^)]*reuse\)/);
      expect(source).toMatch(
        /module topic 'systemTopicEvents\.bicep'[\s\S]*?scope: resourceGroup\(topicGroupName\)/,
      );
      expect(source).toContain("topicIdentity: reuse\n      ? existingTopic.outputs.identity");
      expect(source).toContain("tags: reuse ? existingTopic.outputs.tags : tags");
    },
  );

  it("keep their identities and tags, and gain the service identity the dead-lettering needs", () => {
    const existing = code("infra/app/existingSystemTopic.bicep");
    expect(existing).toContain("union(currentUserAssigned, { '${identityId}': {} })");
    expect(existing).toContain("'SystemAssigned, UserAssigned'");
    expect(existing).toContain("output tags object = contains(current, 'tags') ? current.tags : {}");
    expect(code("infra/app/systemTopicEvents.bicep")).toContain("identity: topicIdentity");
  });
});

describe("onboarding policy existenceCondition", () => {
  interface Condition {
    field?: string;
    count?: { field: string; where?: Condition };
    allOf?: Condition[];
    [key: string]: unknown;
  }
  const details = (
    JSON.parse(read("infra/policy/eventGridSubscriptionTopic.json")) as {
      properties: { policyRule: { then: { details: { existenceCondition: Condition; type: string } } } };
    }
  ).properties.policyRule.then.details;

  function fields(condition: Condition): string[] {
    return [
      ...(condition.field === undefined ? [] : [condition.field]),
      ...(condition.count === undefined
        ? []
        : [condition.count.field, ...(condition.count.where ? fields(condition.count.where) : [])]),
      ...(condition.allOf ?? []).flatMap(fields),
    ];
  }

  // Aliases of Microsoft.EventGrid/systemTopics/eventSubscriptions as Azure Policy lists them
  // (maciejporebski/azure-policy-aliases, aliases/Microsoft.EventGrid/systemTopics-eventSubscriptions.md at
  // 0f1e1f49, a dump of the alias API; the destination.WebHook.endpointUrl alias of the same family is used
  // in Microsoft's own Event Grid policy sample). A field that is not an alias makes the definition fail.
  const knownAliases = new Set(
    [
      "destination.endpointType",
      "destination.AzureFunction.resourceId",
      "filter.includedEventTypes[*]",
      "filter.advancedFilters[*]",
      "filter.advancedFilters[*].operatorType",
      "filter.advancedFilters[*].key",
      "filter.advancedFilters[*].StringIn.values[*]",
      "deadLetterWithResourceIdentity.identity.userAssignedIdentity",
      "deadLetterWithResourceIdentity.deadLetterDestination.StorageBlob.resourceId",
      "deadLetterWithResourceIdentity.deadLetterDestination.StorageBlob.blobContainerName",
    ].map((a) => `Microsoft.EventGrid/systemTopics/eventSubscriptions/${a}`),
  );

  it("uses only known aliases of the resource type it checks", () => {
    expect(details.type).toBe("Microsoft.EventGrid/systemTopics/eventSubscriptions");
    const used = fields(details.existenceCondition);
    expect(used.length).toBeGreaterThan(0);
    for (const field of used) expect(knownAliases, field).toContain(field);
  });

  it("checks the destination, the event types, the operation filter and the dead-lettering", () => {
    const used = new Set(fields(details.existenceCondition).map((f) => f.split("/").pop()));
    for (const alias of [
      "destination.AzureFunction.resourceId",
      "filter.includedEventTypes[*]",
      "filter.advancedFilters[*].StringIn.values[*]",
      "deadLetterWithResourceIdentity.identity.userAssignedIdentity",
      "deadLetterWithResourceIdentity.deadLetterDestination.StorageBlob.blobContainerName",
    ]) {
      expect(used, alias).toContain(alias);
    }
    const text = JSON.stringify(details.existenceCondition);
    for (const parameter of [
      "functionResourceId",
      "includedEventTypes",
      "operationNames",
      "identityResourceId",
      "deadLetterStorageAccountId",
      "deadLetterContainerName",
    ]) {
      expect(text, parameter).toContain(`parameters('${parameter}')`);
    }
  });

  it("compares the event types and operations as sets: every value allowed, and as many as expected", () => {
    const counts = (details.existenceCondition.allOf ?? []).filter((c) => c.count !== undefined);
    for (const [alias, parameter] of [
      ["filter.includedEventTypes[*]", "includedEventTypes"],
      ["filter.advancedFilters[*].StringIn.values[*]", "operationNames"],
    ] as const) {
      const onAlias = counts.filter((c) => c.count?.field.endsWith(`/${alias}`));
      expect(onAlias).toHaveLength(2);
      for (const c of onAlias) expect(c.equals).toBe(`[length(parameters('${parameter}'))]`);
      expect(onAlias.some((c) => c.count?.where?.in === `[parameters('${parameter}')]`)).toBe(true);
      expect(onAlias.some((c) => c.count?.where === undefined)).toBe(true);
    }
  });
});

/** The body of a Bicep declaration (`resource x ...`, `module x ...`, `var x = ...`), up to the next one. */
function declaration(source: string, keyword: "resource" | "module" | "var", name: string): string {
  const start = source.search(new RegExp(`^${keyword} ${name}\\b`, "m"));
  if (start === -1) throw new Error(`no ${keyword} ${name}`);
  const rest = source.slice(start + 1);
  const next = rest.search(/^(resource|module|var|param|output) /m);
  return source.slice(start, next === -1 ? undefined : start + 1 + next);
}

/** The `'...'` items of a Bicep array literal that starts right after `label`. */
function stringArrayAfter(source: string, label: string): string[] {
  const start = source.indexOf(label);
  if (start === -1) throw new Error(`no ${label}`);
  const open = source.indexOf("[", start);
  const close = source.indexOf("]", open);
  return [...source.slice(open, close).matchAll(/'([^']*)'/g)].map((m) => m[1] ?? "");
}

/** Routes the HTTP functions register (`app.http(..., { route: "..." })`), as App Service sees them. */
function httpRoutes(): Map<string, string> {
  const routes = new Map<string, string>();
  for (const file of readdirSync(path.join(root, "functions")).filter((f) => f.endsWith(".ts"))) {
    const source = read(path.join("functions", file));
    for (const m of source.matchAll(/app\.http\("([^"]+)",\s*\{[\s\S]*?route: "([^"]+)"/g)) {
      // host.json sets no routePrefix, so the Functions default "api" applies.
      routes.set(m[1] ?? "", `/api/${m[2] ?? ""}`);
    }
  }
  return routes;
}

describe("HTTP API authentication (App Service authentication with Entra ID)", () => {
  const main = code("infra/main.bicep");
  const api = code("infra/app/api.bicep");
  const auth = declaration(api, "var", "authSettings");

  it("declares the Microsoft Graph extension in bicepconfig.json at its GA version and uses it in main.bicep", () => {
    const config = JSON.parse(read("infra/bicepconfig.json")) as { extensions: Record<string, string> };
    expect(config.extensions).toEqual({
      microsoftGraphV1: "br:mcr.microsoft.com/bicep/extensions/microsoftgraph/v1.0:1.0.0",
    });
    expect(main).toMatch(/^extension microsoftGraphV1$/m);
    // Only main.bicep declares Graph resources, so only it needs the extension.
    for (const file of bicep.filter((f) => f !== path.join("infra", "main.bicep"))) {
      expect(code(file), file).not.toMatch(/Microsoft\.Graph\//);
      expect(code(file), file).not.toMatch(/^extension /m);
    }
  });

  it("creates the app registration with exactly the two app roles the code requires, for users and applications", () => {
    const app = declaration(main, "resource", "apiApp");
    expect(app).toMatch(/^resource apiApp 'Microsoft\.Graph\/applications@v1\.0' = if \(createApiApp\) \{/);
    expect(main).toContain("var createApiApp = empty(apiAppClientId)");
    expect(app).toContain("uniqueName: apiAppUniqueName");
    expect(app).toMatch(/displayName: '/);
    expect(app).toContain("signInAudience: 'AzureADMyOrg'");
    const roles = declaration(main, "var", "apiAppRoles");
    const values = [...roles.matchAll(/^\s+value: '([^']+)'/gm)].map((m) => m[1]);
    expect(values).toEqual([readRole, applyRole]);
    expect(app).toMatch(/appRoles: \[\s+for role in apiAppRoles: \{/);
    // A stable id per role value: a redeployment keeps the role and its assignments.
    expect(app).toContain("id: guid('cmkr-remediation-api', role.value)");
    expect(app).not.toMatch(/newGuid\(/);
    expect(app).toMatch(/allowedMemberTypes: \[\s+'User'\s+'Application'\s+\]/);
    expect(app).toContain("isEnabled: true");
    expect(app).toContain("requestedAccessTokenVersion: 2");
    expect(app).toMatch(/owners: \{\s+relationships: \[\s+deployer\(\)\.objectId\s+\]/);
  });

  it("gives the API a tenant-scoped api:// identifier URI and a service principal that requires a role", () => {
    expect(main).toContain("var apiIdentifierUri = 'api://${tenant().tenantId}/${apiAppUniqueName}'");
    expect(main).toContain("var apiAppUniqueName = 'cmkr-api-${resourceToken}'");
    expect(declaration(main, "resource", "apiApp")).toMatch(/identifierUris: \[\s+apiIdentifierUri\s+\]/);
    const sp = declaration(main, "resource", "apiServicePrincipal");
    expect(sp).toMatch(
      /^resource apiServicePrincipal 'Microsoft\.Graph\/servicePrincipals@v1\.0' = if \(createApiApp\)/,
    );
    expect(sp).toContain("appId: apiApp.appId");
    expect(sp).toContain("appRoleAssignmentRequired: true");
  });

  it("uses an existing registration's client id instead when one is given (azd: CMKR_API_APP_CLIENT_ID)", () => {
    expect(main).toMatch(/^param apiAppClientId string = ''$/m);
    expect(main).toContain("var apiClientId = createApiApp ? apiApp.appId : apiAppClientId");
    expect(JSON.parse(read("infra/main.parameters.json"))).toMatchObject({
      parameters: { apiAppClientId: { value: "${CMKR_API_APP_CLIENT_ID=}" } },
    });
    const module = declaration(main, "module", "api");
    expect(module).toContain("authClientId: apiClientId");
    expect(module).toContain(
      "authIssuer: '${environment().authentication.loginEndpoint}${tenant().tenantId}/v2.0'",
    );
    expect(module).toContain(
      "authAudiences: createApiApp ? [apiIdentifierUri] : filter([apiAppIdentifierUri], u => !empty(u))",
    );
    expect(JSON.parse(read("infra/main.parameters.json"))).toMatchObject({
      parameters: { apiAppIdentifierUri: { value: "${CMKR_API_APP_IDENTIFIER_URI=}" } },
    });
  });

  it("passes the authentication settings to the site module, which the pinned version declares", () => {
    const versions = JSON.parse(read("infra/moduleVersions.json")) as {
      modules: Record<string, { parameters: string[]; valuesChecked: Record<string, string> }>;
    };
    const site = versions.modules["avm/res/web/site"];
    expect(site?.parameters).toContain("authSettingV2Configuration");
    expect(site?.valuesChecked.authSettingV2Configuration).toContain("authsettingsV2");
    expect(declaration(api, "module", "site")).toContain("authSettingV2Configuration: authSettings");
  });

  it("answers 401 to a request without a valid Entra ID token, with Entra ID as the only provider", () => {
    expect(auth).toMatch(/platform: \{\s+enabled: true\s+\}/);
    expect(auth).toContain("requireAuthentication: true");
    expect(auth).toContain("unauthenticatedClientAction: 'Return401'");
    expect(auth).toContain("requireHttps: true");
    const providers = auth.slice(auth.indexOf("identityProviders: {"), auth.indexOf("login: {"));
    expect([...providers.matchAll(/^ {4}(\w+): \{/gm)].map((m) => m[1])).toEqual(["azureActiveDirectory"]);
    expect(providers).toMatch(
      /azureActiveDirectory: \{\s+enabled: true\s+registration: \{\s+clientId: authClientId\s+openIdIssuer: authIssuer\s+\}\s+validation: \{\s+allowedAudiences: union\(\[authClientId\], authAudiences\)/,
    );
    // No client secret: App Service only validates bearer tokens, it signs nobody in.
    expect(auth).not.toMatch(/clientSecret/);
    expect(auth).toMatch(/tokenStore: \{\s+enabled: false/);
  });

  it("excludes only the events webhook and the Event Grid trigger endpoint, which authenticate themselves", () => {
    const excluded = stringArrayAfter(auth, "excludedPaths:");
    expect(excluded).toEqual(["/api/events", "/runtime/webhooks/eventgrid"]);
    const routes = httpRoutes();
    // The webhook is where the events function listens; the Event Grid triggers exist.
    expect(routes.get("events")).toBe("/api/events");
    expect(eventGridFunctionName("functions/resourceEvents.ts")).toBe("resourceEvents");
    expect(code("infra/app/systemTopicEvents.bicep")).toContain("endpointType: 'AzureFunction'");
    // Every other HTTP route, /api/remediate and its status among them, needs a token.
    const covered = (route: string): boolean =>
      excluded.some((p) => route === p || route.startsWith(`${p}/`));
    const protectedRoutes = [...routes].filter(([name]) => name !== "events").map(([, r]) => r);
    expect(protectedRoutes.toSorted()).toEqual(["/api/remediate", "/api/remediate/{operationId}"]);
    for (const route of protectedRoutes) expect(covered(route), route).toBe(false);
    // The webhook answers with its shared secret and the Event Grid handshakes; the code says so.
    const webhook = read("src/runtime/http/eventsWebhookHandler.ts");
    expect(webhook).toContain("CMKR_EVENTS_SHARED_SECRET");
    // On an excluded path App Service vouches for nobody, so its handler must not trust a caller header.
    expect(webhook).not.toMatch(/clientPrincipal|x-ms-client-principal|requireRole/i);
    for (const handler of ["remediateHandler.ts", "remediationStatusHandler.ts"]) {
      expect(read(`src/runtime/http/${handler}`), handler).toMatch(/requireRole|clientPrincipal/);
    }
  });
});

describe("docs/deployment.md, HTTP API authentication", () => {
  const doc = read("docs/deployment.md");
  const start = doc.indexOf("\n## HTTP API authentication");
  const section = doc.slice(start, doc.indexOf("\n## ", start + 1));

  it("names the roles the code requires, what a deployer needs, and how to bring a registration", () => {
    expect(start).toBeGreaterThan(0);
    for (const role of [readRole, applyRole]) expect(section).toContain(`| \`${role}\` |`);
    expect(doc).toContain("Application.ReadWrite.OwnedBy");
    expect(doc).toContain("Application Developer");
    expect(section).toContain("CMKR_API_APP_CLIENT_ID");
    // Both excluded paths, as the template has them.
    for (const p of stringArrayAfter(
      declaration(code("infra/app/api.bicep"), "var", "authSettings"),
      "excludedPaths:",
    ))
      expect(section).toContain(`\`${p}\``);
  });

  it("shows how to assign a role to a user or an application through the API's service principal", () => {
    expect(section).toMatch(
      /az rest --method post --uri "https:\/\/graph\.microsoft\.com\/v1\.0\/servicePrincipals\/\$API_SP\/appRoleAssignedTo"/,
    );
    expect(section).toContain("appRoles[?value=='Remediation.Apply'].id");
    expect(section).toMatch(
      /"principalId\\?":\\?"\$WHO\\?",\\?"resourceId\\?":\\?"\$API_SP\\?",\\?"appRoleId\\?":\\?"\$ROLE/,
    );
    // The outputs it reads exist.
    const outputs = [...code("infra/main.bicep").matchAll(/^output (\w+) /gm)].map((m) => m[1]);
    for (const [, name] of section.matchAll(/azd env get-value (\w+)/g))
      expect(outputs, name).toContain(name);
  });
});

describe("the events endpoint's shared secret", () => {
  const main = code("infra/main.bicep");
  const secretModule = code("infra/app/eventsSecret.bicep");

  it("is a @secure() parameter drawn by newGuid() at each provision, long enough for the app", () => {
    expect(main).toMatch(
      /@secure\(\)\s+@description\([^\n]*\)\s+param eventsSharedSecret string = newGuid\(\)/,
    );
    // newGuid() is only allowed as a parameter default: nowhere else in infra/.
    for (const file of bicep) {
      for (const line of code(file)
        .split("\n")
        .filter((l) => l.includes("newGuid("))) {
        expect(line, file).toMatch(/^param \w+ string = newGuid\(\)$/);
      }
    }
    // A GUID (36 characters) satisfies the app's own minimum.
    expect(
      loadConfig({ CMKR_EVENTS_SHARED_SECRET: crypto.randomUUID() }).CMKR_EVENTS_SHARED_SECRET,
    ).toHaveLength(36);
    expect(() => loadConfig({ CMKR_EVENTS_SHARED_SECRET: crypto.randomUUID().slice(0, 31) })).toThrow(
      ConfigError,
    );
  });

  it("reaches the app only as a Key Vault reference through secure parameters", () => {
    // Its one use: the secure parameter of the vault module.
    expect([...main.matchAll(/\beventsSharedSecret\b/g)]).toHaveLength(2);
    expect(declaration(main, "module", "eventsSecret")).toContain("secretValue: eventsSharedSecret");
    expect(secretModule).toMatch(/@secure\(\)\s+@description\([^\n]*\)\s+param secretValue string/);
    expect([...secretModule.matchAll(/\bsecretValue\b/g)]).toHaveLength(2);
    expect(declaration(secretModule, "resource", "secret")).toMatch(
      /'Microsoft\.KeyVault\/vaults\/secrets@[^']+'[\s\S]*value: secretValue/,
    );
    expect(main).toContain(
      "CMKR_EVENTS_SHARED_SECRET: '@Microsoft.KeyVault(SecretUri=${eventsSecret.outputs.secretUriWithVersion})'",
    );
    // The vault uses RBAC, and the service's identity may read that one secret.
    expect(declaration(secretModule, "resource", "vault")).toContain("enableRbacAuthorization: true");
    const reader = declaration(secretModule, "resource", "secretReader");
    expect(reader).toContain("scope: secret");
    expect(reader).toContain("principalId: identityPrincipalId");
    expect(secretModule).toContain("var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'");
    expect(declaration(main, "module", "eventsSecret")).toContain(
      "identityPrincipalId: platform.outputs.identityPrincipalId",
    );
    expect(code("infra/app/api.bicep")).toContain("keyVaultAccessIdentityResourceId: identityId");
  });

  it("is never an output, and no secure parameter of any template is", () => {
    for (const file of bicep) {
      const source = code(file);
      const secure = [...source.matchAll(/@secure\(\)\s+(?:@\w+\([^\n]*\)\s+)*param (\w+)/g)].map(
        (m) => m[1] ?? "",
      );
      const outputs = source.split("\n").filter((l) => l.startsWith("output "));
      for (const name of secure) {
        for (const line of outputs) expect(line, `${file}: ${name}`).not.toMatch(new RegExp(`\\b${name}\\b`));
      }
      // Nor the secret resource's value, however reached.
      for (const line of outputs)
        expect(line, file).not.toMatch(/properties\.value\b|listSecrets|\.value\)?$/);
    }
    expect(secretModule).toContain(
      "output secretUriWithVersion string = secret.properties.secretUriWithVersion",
    );
  });

  it("names its vault through abbreviations.json within Key Vault's 24 characters", () => {
    expect(declaration(main, "module", "eventsSecret")).toContain(
      "vaultName: '${abbrs.keyVaultVaults}${resourceToken}'",
    );
    const abbreviations = JSON.parse(read("infra/abbreviations.json")) as Record<string, string>;
    // uniqueString() returns 13 characters.
    expect((abbreviations.keyVaultVaults ?? "").length + 13).toBeLessThanOrEqual(24);
  });

  it("an unresolved Key Vault reference is refused as the secret, not used as one", () => {
    const reference =
      "@Microsoft.KeyVault(SecretUri=https://kv-abc.vault.azure.net/secrets/cmkr-events-shared-secret/0123456789abcdef0123456789abcdef)";
    expect(() => loadConfig({ CMKR_EVENTS_SHARED_SECRET: reference })).toThrow(/CMKR_EVENTS_SHARED_SECRET/);
    expect(() => loadConfig({ CMKR_EVENTS_SHARED_SECRET: reference })).toThrow(
      /unresolved Key Vault reference/,
    );
  });
});
