import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import eventFilters from "../../infra/eventFilters.json" with { type: "json" };
import roleActions from "../../infra/roleActions.json" with { type: "json" };
import { describeSettings, loadConfig } from "../../src/runtime/config.js";
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
  it("the custom role is built from infra/roleActions.json with no action written in Bicep", () => {
    const roles = code("infra/roles/main.bicep");
    expect(roles).toContain("loadJsonContent('../roleActions.json')");
    expect(roles).toContain("concat(role.actions, diskEnforce ? role.enforceActions : [])");
    expect(roles).toContain("includeDataActions ? role.dataActions : []");
    for (const action of [
      ...roleActions.actions,
      ...roleActions.enforceActions,
      ...roleActions.dataActions,
    ]) {
      expect(roles).not.toContain(action);
    }
  });

  it("boolean settings reach the app as the lower-case words its configuration accepts", () => {
    // ARM's string() of a bool is 'True'/'False'; src/runtime/config.ts accepts true/false/1/0/yes/no only.
    const main = code("infra/main.bicep");
    expect(main).toContain("CMKR_DRY_RUN: dryRun ? 'true' : 'false'");
    expect(main).not.toMatch(/string\(\w+\)/);
    expect(loadConfig({ CMKR_DRY_RUN: "false" }).CMKR_DRY_RUN).toBe(false);
    expect(() => loadConfig({ CMKR_DRY_RUN: "False" })).toThrow(/CMKR_DRY_RUN/);
  });

  it("every app setting the templates set is explained in the README", () => {
    const readme = read("README.md");
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
    const deployment = readme.slice(readme.indexOf("\n## Deployment"));
    for (const name of settings) {
      expect(
        configTable.has(name) ? readme : deployment,
        `${name} is set by infra/ but not explained in the README`,
      ).toContain(`\`${name}\``);
    }
  });

  it("the README's Deployment section lists exactly the role's actions", () => {
    const readme = read("README.md");
    const start = readme.indexOf("\n## Deployment");
    expect(start).toBeGreaterThan(0);
    const end = readme.indexOf("\n## ", start + 1);
    const section = readme.slice(start, end === -1 ? undefined : end);
    const listed = [...section.matchAll(/^\| `(Microsoft\.[^`]+)` \|/gm)].map((m) => m[1] ?? "");
    expect(listed.toSorted()).toEqual(
      [...roleActions.actions, ...roleActions.enforceActions, ...roleActions.dataActions].toSorted(),
    );
  });

  it("azure.yaml deploys the Functions service and runs the role hook that exists", () => {
    const yaml = read("azure.yaml");
    expect(yaml).toMatch(/services:\n {2}api:\n {4}project: \.\n {4}language: (ts|js)\n {4}host: function/);
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
      expect(read(hook)).toContain("--template-file infra/roles/main.bicep");
      expect(read(hook)).toContain("CMKR_IDENTITY_PRINCIPAL_ID");
    }
  });
});
