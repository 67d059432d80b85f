import { describe, expect, it } from "vitest";
import {
  decodeDelivery,
  decodeDeliveryText,
  type DecodeResult,
} from "../../src/core/events/decodeDelivery.js";
import type { DomainEvent } from "../../src/core/events/domainEvents.js";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { diskEncryptionSetRule } from "../../src/core/consumers/diskEncryptionSet/diskEncryptionSetRule.js";
import { mlWorkspaceRule } from "../../src/core/consumers/mlWorkspace/mlWorkspaceRule.js";
import { entriesOfKind, materialJson, materialText, shortName } from "./support/material.js";
import { classify } from "./support/serviceReaders.js";

/*
 * Every docs and spec event sample goes through the service's decoder, with the scope filter on
 * (as deployed) and off (what a webhook without filters would see), and decodes to the domain
 * event stated below, or to a typed error naming the field. Quirks of the published samples are
 * kept; the variants below apply the quirks the docs' schema tables and older SDK models describe.
 *
 * Line format: the event kind (`ResourceWriteSuccess caller=<oid>`...), `Ignored: <reason>`, or
 * `error <field>: <problem>`.
 */

function line(event: DomainEvent): string {
  switch (event.kind) {
    case "Ignored":
      return `Ignored: ${event.reason}`;
    case "ResourceWriteSuccess":
    case "ResourceDeleteSuccess":
      return `${event.kind} ${event.resourceId} caller=${event.caller.objectId ?? "-"}/${event.caller.appId ?? "-"}`;
    case "ResourceCreatedOrUpdated":
    case "ResourceDeleted":
      return `${event.kind} ${event.resourceId} tags=${JSON.stringify(event.resource.tags ?? null)}`;
    case "KeyNewVersionCreated":
    case "KeyNearExpiry":
    case "KeyExpired":
      return `${event.kind} ${event.keyId} exp=${event.expiresOn?.toISOString() ?? "-"}`;
    case "SubscriptionValidation":
      return `${event.kind} ${event.validationCode}`;
  }
}

function lines(result: DecodeResult): string[] {
  return [...result.events.map(line), ...result.errors.map((e) => `error ${e.field}: ${e.problem}`)];
}

function decodeText(text: string, filterByScope: boolean): string[] {
  return lines(decodeDeliveryText(text, { filterByScope }));
}

const samples = [...entriesOfKind("docs-event-sample"), ...entriesOfKind("spec-event-sample")];

const expected: Record<string, { scoped: string[]; unscoped: string[] }> = {
  "azure-subscription/ResourceActionSuccess.json": {
    scoped: ["Ignored: event type Microsoft.Resources.ResourceActionSuccess is not handled"],
    unscoped: ["Ignored: event type Microsoft.Resources.ResourceActionSuccess is not handled"],
  },
  "azure-subscription/ResourceDeleteSuccess.json": {
    scoped: ["Ignored: ARM operation Microsoft.Storage/storageAccounts/delete is not in scope"],
    unscoped: [
      "ResourceDeleteSuccess /subscriptions/{subscription-id}/resourceGroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller={ID}/{ID}",
    ],
  },
  "azure-subscription/ResourceWriteSuccess.json": {
    scoped: ["Ignored: ARM operation Microsoft.Storage/storageAccounts/write is not in scope"],
    unscoped: [
      "ResourceWriteSuccess /subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller={ID}/{ID}",
    ],
  },
  "key-vault/SecretNewVersionCreated.cloudevents.json": {
    scoped: ["Ignored: event type Microsoft.KeyVault.SecretNewVersionCreated is not handled"],
    unscoped: ["Ignored: event type Microsoft.KeyVault.SecretNewVersionCreated is not handled"],
  },
  "key-vault/SecretNewVersionCreated.eventgrid.json": {
    scoped: ["Ignored: event type Microsoft.KeyVault.SecretNewVersionCreated is not handled"],
    unscoped: ["Ignored: event type Microsoft.KeyVault.SecretNewVersionCreated is not handled"],
  },
  "resource-group/ResourceActionSuccess.json": {
    scoped: ["Ignored: event type Microsoft.Resources.ResourceActionSuccess is not handled"],
    unscoped: ["Ignored: event type Microsoft.Resources.ResourceActionSuccess is not handled"],
  },
  "resource-group/ResourceDeleteSuccess.json": {
    scoped: ["Ignored: ARM operation Microsoft.Storage/storageAccounts/delete is not in scope"],
    unscoped: [
      "ResourceDeleteSuccess /subscriptions/{subscription-id}/resourceGroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller={ID}/{ID}",
    ],
  },
  "resource-group/ResourceWriteSuccess.json": {
    scoped: ["Ignored: ARM operation Microsoft.Storage/storageAccounts/write is not in scope"],
    unscoped: [
      "ResourceWriteSuccess /subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller={ID}/{ID}",
    ],
  },
  "resource-notifications-resources/CreatedOrUpdated.cloudevents.json": {
    scoped: ["Ignored: resource type Microsoft.Storage/storageAccounts is not in scope"],
    unscoped: [
      "ResourceCreatedOrUpdated /subscriptions/{subcription-id}/resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name} tags={}",
    ],
  },
  "resource-notifications-resources/CreatedOrUpdated.eventgrid.json": {
    scoped: ["Ignored: resource type Microsoft.Storage/storageAccounts is not in scope"],
    unscoped: [
      "ResourceCreatedOrUpdated /subscriptions/{subcription-id}/resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name} tags={}",
    ],
  },
  "resource-notifications-resources/Deleted.cloudevents.json": {
    scoped: ["Ignored: resource type Microsoft.Storage/storageAccounts is not in scope"],
    unscoped: [
      "ResourceDeleted /subscriptions/{subscription-id}/resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name} tags=null",
    ],
  },
  "resource-notifications-resources/Deleted.eventgrid.json": {
    scoped: ["Ignored: resource type Microsoft.Storage/storageAccounts is not in scope"],
    unscoped: [
      "ResourceDeleted /subscriptions/{subscription-id}/resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name} tags=null",
    ],
  },
  "resource-notifications-resources/fragment-properties.txt": {
    scoped: [
      "error $: not valid JSON: unexpected text after the JSON value at line 1, column 25 (offset 24)",
    ],
    unscoped: [
      "error $: not valid JSON: unexpected text after the JSON value at line 1, column 25 (offset 24)",
    ],
  },
  "resource-notifications-resources/schema-CreatedOrUpdated.cloudevents.json": {
    scoped: ['error specversion: expected "1.0" (CloudEvents 1.0), got "string"'],
    unscoped: ['error specversion: expected "1.0" (CloudEvents 1.0), got "string"'],
  },
  "resource-notifications-resources/schema-CreatedOrUpdated.eventgrid.json": {
    scoped: ['error metadataVersion: expected "1" (Event Grid schema), got "string"'],
    unscoped: ['error metadataVersion: expected "1" (Event Grid schema), got "string"'],
  },
  "resource-notifications-resources/schema-Deleted.cloudevents.json": {
    scoped: ['error specversion: expected "1.0" (CloudEvents 1.0), got "string"'],
    unscoped: ['error specversion: expected "1.0" (CloudEvents 1.0), got "string"'],
  },
  "resource-notifications-resources/schema-Deleted.eventgrid.json": {
    scoped: ['error metadataVersion: expected "1" (Event Grid schema), got "string"'],
    unscoped: ['error metadataVersion: expected "1" (Event Grid schema), got "string"'],
  },
  "subscription-validation/SubscriptionValidationEvent.json": {
    scoped: ["SubscriptionValidation 512d38b6-c7b8-40c8-89fe-f46f9e9622b6"],
    unscoped: ["SubscriptionValidation 512d38b6-c7b8-40c8-89fe-f46f9e9622b6"],
  },
  "subscription-validation/SubscriptionValidationResponse.json": {
    scoped: [
      "error $: not an event: expected an Event Grid event (eventType, dataVersion) or a CloudEvents 1.0 event (specversion)",
    ],
    unscoped: [
      "error $: not an event: expected an Event Grid event (eventType, dataVersion) or a CloudEvents 1.0 event (specversion)",
    ],
  },
  "eventgrid-resourcenotifications/2018-01-01/examples/cloud-events-schema/Resources_CreatedOrUpdated.json": {
    scoped: ["Ignored: resource type Microsoft.Storage/storageAccounts is not in scope"],
    unscoped: [
      'error data.resourceInfo.id: "/subscriptions/{subcription-id} /resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name}" contains whitespace; an ARM resource id has none',
    ],
  },
  "eventgrid-resourcenotifications/2018-01-01/examples/cloud-events-schema/Resources_Deleted.json": {
    scoped: ["Ignored: resource type Microsoft.Storage/storageAccounts is not in scope"],
    unscoped: [
      "ResourceDeleted /subscriptions/{subscription-id}/resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name} tags=null",
    ],
  },
  "eventgrid-resourcenotifications/2018-01-01/examples/event-grid-schema/Resources_CreatedOrUpdated.json": {
    scoped: ["Ignored: resource type Microsoft.Storage/storageAccounts is not in scope"],
    unscoped: [
      'error data.resourceInfo.id: "/subscriptions/{subcription-id} /resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name}" contains whitespace; an ARM resource id has none',
    ],
  },
  "eventgrid-resourcenotifications/2018-01-01/examples/event-grid-schema/Resources_Deleted.json": {
    scoped: ["Ignored: resource type Microsoft.Storage/storageAccounts is not in scope"],
    unscoped: [
      "ResourceDeleted /subscriptions/{subscription-id}/resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name} tags=null",
    ],
  },
  "eventgrid-resources/2018-01-01/examples/cloud-events-schema/resource_delete_success.json": {
    scoped: [
      'error specVersion: CloudEvents attribute names are lower-case: expected "specversion", got "specVersion"',
    ],
    unscoped: [
      'error specVersion: CloudEvents attribute names are lower-case: expected "specversion", got "specVersion"',
    ],
  },
  "eventgrid-resources/2018-01-01/examples/cloud-events-schema/resource_write_success.json": {
    scoped: ["Ignored: ARM operation Microsoft.Storage/storageAccounts/write is not in scope"],
    unscoped: [
      "ResourceWriteSuccess /subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller={ID}/{ID}",
    ],
  },
  "eventgrid-resources/2018-01-01/examples/event-grid-schema/resource_delete_success.json": {
    scoped: ["Ignored: ARM operation Microsoft.Storage/storageAccounts/delete is not in scope"],
    unscoped: [
      "ResourceDeleteSuccess /subscriptions/{subscription-id}/resourceGroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller={ID}/{ID}",
    ],
  },
  "eventgrid-resources/2018-01-01/examples/event-grid-schema/resource_write_success.json": {
    scoped: ["Ignored: ARM operation Microsoft.Storage/storageAccounts/write is not in scope"],
    unscoped: [
      "ResourceWriteSuccess /subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller={ID}/{ID}",
    ],
  },
};

describe("docs and spec event samples through the decoder", () => {
  it.each(samples.map((s) => [shortName(s.file), s.file] as const))("%s", (name, file) => {
    const text = materialText(file);
    expect({ scoped: decodeText(text, true), unscoped: decodeText(text, false) }).toEqual(expected[name]);
  });

  it("the table has a line for every sample and nothing else", () => {
    expect(Object.keys(expected).sort()).toEqual(samples.map((s) => shortName(s.file)).sort());
  });
});

/** A sample, parsed, with `mutate` applied to its (first) event. */
function variant(file: string, mutate: (event: Record<string, unknown>) => void): unknown {
  const parsed = materialJson(file);
  const event = (Array.isArray(parsed) ? parsed[0] : parsed) as Record<string, unknown>;
  mutate(event);
  return parsed;
}

const data = (event: Record<string, unknown>): Record<string, unknown> =>
  event.data as Record<string, unknown>;
const info = (event: Record<string, unknown>): Record<string, unknown> =>
  data(event).resourceInfo as Record<string, unknown>;

const writeSample =
  "rest-api-specs/eventgrid-resources/2018-01-01/examples/event-grid-schema/resource_write_success.json";
const notificationSample =
  "rest-api-specs/eventgrid-resourcenotifications/2018-01-01/examples/event-grid-schema/Resources_Deleted.json";
const createdSample = "event-samples/resource-notifications-resources/CreatedOrUpdated.eventgrid.json";
const secretSample = "event-samples/key-vault/SecretNewVersionCreated.eventgrid.json";

const quirks: { name: string; delivery: () => unknown; expected: string[] }[] = [
  {
    // Older SDK models typed `authorization` as a string, and the Event Grid spec still does.
    name: "ResourceWriteSuccess with authorization as JSON text",
    delivery: () =>
      variant(writeSample, (e) => {
        data(e).authorization = JSON.stringify(data(e).authorization);
      }),
    expected: [
      "ResourceWriteSuccess /subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller={ID}/{ID}",
    ],
  },
  {
    name: "ResourceWriteSuccess with claims as JSON text",
    delivery: () =>
      variant(writeSample, (e) => {
        data(e).claims = JSON.stringify(data(e).claims);
      }),
    expected: [
      "ResourceWriteSuccess /subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller={ID}/{ID}",
    ],
  },
  {
    name: "ResourceWriteSuccess with authorization, claims and httpRequest all JSON text, the caller only in the evidence",
    delivery: () =>
      variant(writeSample, (e) => {
        const d = data(e);
        const claims = { ...(d.claims as Record<string, unknown>) };
        delete claims["http://schemas.microsoft.com/identity/claims/objectidentifier"];
        d.claims = JSON.stringify(claims);
        d.authorization = JSON.stringify({
          ...(d.authorization as Record<string, unknown>),
          evidence: { role: "Subscription Admin", principalId: "5f4e3d2c-1b0a-4987-8654-3210fedcba98" },
        });
        d.httpRequest = JSON.stringify({ clientIpAddress: "10.0.0.1", method: "PUT" });
      }),
    expected: [
      "ResourceWriteSuccess /subscriptions/{subscription-id}/resourcegroups/{resource-group}/providers/Microsoft.Storage/storageAccounts/{storage-name} caller=5f4e3d2c-1b0a-4987-8654-3210fedcba98/{ID}",
    ],
  },
  {
    name: "ResourceWriteSuccess with authorization as text that is not JSON",
    delivery: () =>
      variant(writeSample, (e) => {
        data(e).authorization = "Subscription Admin";
      }),
    expected: [
      "error data.authorization: expected an object (or its JSON text), got a string that is not JSON",
    ],
  },
  {
    // The docs' schema table types `tags` as a string.
    name: "Resources.CreatedOrUpdated with tags as JSON text",
    delivery: () =>
      variant(createdSample, (e) => {
        info(e).tags = JSON.stringify({ "cmk-remediation": "exclude" });
      }),
    expected: [
      'ResourceCreatedOrUpdated /subscriptions/{subcription-id}/resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name} tags={"cmk-remediation":"exclude"}',
    ],
  },
  {
    name: "Resources.CreatedOrUpdated with tags as an empty string",
    delivery: () =>
      variant(createdSample, (e) => {
        info(e).tags = "";
      }),
    expected: [
      "ResourceCreatedOrUpdated /subscriptions/{subcription-id}/resourceGroups/{rg-name}/providers/Microsoft.Storage/storageAccounts/{storageAccount-name} tags=null",
    ],
  },
  {
    name: "Resources.CreatedOrUpdated with the schema sketch's tags placeholder",
    delivery: () =>
      variant(createdSample, (e) => {
        info(e).tags = "string";
      }),
    expected: [
      "error data.resourceInfo.tags: expected an object of string tags (or its JSON text), got a string that is not JSON",
    ],
  },
  {
    // The spec sample's "{subscription-id} /resourceGroups", on a type in scope: never guessed at.
    name: "Resources.Deleted of a disk whose id has a space",
    delivery: () =>
      variant(notificationSample, (e) => {
        info(e).type = "Microsoft.Compute/disks";
        info(e).id =
          "/subscriptions/5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a /resourceGroups/rg/providers/Microsoft.Compute/disks/d1";
      }),
    expected: [
      'error data.resourceInfo.id: "/subscriptions/5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a /resourceGroups/rg/providers/Microsoft.Compute/disks/d1" contains whitespace; an ARM resource id has none',
    ],
  },
  {
    // The docs' Key Vault sample (trailing space in "ObjectName ", leading space in Version,
    // NBF/EXP as numeric strings), as the key event the docs do not show.
    name: "KeyNewVersionCreated with the docs sample's quirks",
    delivery: () =>
      variant(secretSample, (e) => {
        e.eventType = "Microsoft.KeyVault.KeyNewVersionCreated";
        data(e).ObjectType = "Key";
        data(e).Id = String(data(e).Id).replace("/secrets/", "/keys/");
      }),
    expected: [
      "KeyNewVersionCreated https://sample-kv.vault.azure.net/keys/newsecret/ee059b2bb5bc48398a53b168c6cdcb10 exp=2019-05-28T22:21:42.000Z",
    ],
  },
];

describe("quirks the schemas and older producers describe", () => {
  it.each(quirks.map((q) => [q.name, q] as const))("%s", (_name, q) => {
    expect(() => decodeDelivery(q.delivery(), { filterByScope: false })).not.toThrow();
    expect(lines(decodeDelivery(q.delivery(), { filterByScope: false }))).toEqual(q.expected);
  });
});

describe("booleans as 1/0, as the Resource Notifications sample writes them", () => {
  const keyUrl = "https://kv-cmk.vault.azure.net/keys/cmk/0a1b2c3d4e5f60718293a4b5c6d7e8f9";
  const inline = (type: string, properties: Record<string, unknown>) => {
    const delivery = variant(createdSample, (e) => {
      info(e).id =
        `/subscriptions/5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a/resourceGroups/rg/providers/${type}/x1`;
      info(e).type = type;
      info(e).properties = properties;
    });
    const [event] = decodeDelivery(delivery).events;
    if (event?.kind !== "ResourceCreatedOrUpdated") throw new Error(`decoded ${event?.kind ?? "nothing"}`);
    return event.resource as ArmResourceJson;
  };

  it("the sample itself keeps them as sent", () => {
    const [event] = decodeDelivery(materialJson(createdSample), { filterByScope: false }).events;
    expect(
      event?.kind === "ResourceCreatedOrUpdated" && event.resource.properties?.supportsHttpsTrafficOnly,
    ).toBe(1);
  });

  it("a disk encryption set with rotationToLatestKeyVersionEnabled 1 rotates by itself", () => {
    const des = inline("Microsoft.Compute/diskEncryptionSets", {
      activeKey: { keyUrl },
      rotationToLatestKeyVersionEnabled: 1,
    });
    expect(diskEncryptionSetRule.autoRotates(des)).toBe(true);
    expect(classify(des)).toBe("compliant");
  });

  it("a workspace with enableServiceSideCMKEncryption 1 cannot be rotated", () => {
    const ws = inline("Microsoft.MachineLearningServices/workspaces", {
      enableServiceSideCMKEncryption: 1,
      encryption: { status: "Enabled", keyVaultProperties: { keyIdentifier: keyUrl } },
    });
    expect(mlWorkspaceRule.cannotRotate(ws)?.code).toBe("ServiceSideEncryptionNoRotation");
  });
});
