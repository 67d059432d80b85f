import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeDelivery, decodeDeliveryText } from "../../src/core/events/decodeDelivery.js";
import type {
  DomainEvent,
  KeyVaultKeyEvent,
  ResourceNotificationEvent,
  ResourceWriteEvent,
} from "../../src/core/events/domainEvents.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../fixtures/events/${path}`, import.meta.url), "utf8");
const fixtureJson = (path: string): unknown => JSON.parse(fixture(path)) as unknown;

/** Decodes a fixture that must decode to exactly one event without errors. */
function decodeOne(path: string): DomainEvent {
  const { events, errors } = decodeDeliveryText(fixture(path));
  expect(errors).toEqual([]);
  expect(events).toHaveLength(1);
  return events[0]!;
}

const SUB = "0b1f6471-1bf0-4dda-aec3-5a7e2c9d4b10";
const TENANT = "8a3e2f10-5c4d-4e6f-9a8b-7c6d5e4f3a2b";
const VAULT_ARM_ID = `/subscriptions/${SUB}/resourceGroups/rg-security/providers/Microsoft.KeyVault/vaults/kv-cmk`;
const V1 = "4f7e2b9c0d1a4e3f8b6c5d4e3f2a1b0c";

describe.each([
  ["eventgrid", "EventGrid"],
  ["cloudevents", "CloudEvents"],
] as const)("decodeDelivery, %s schema", (dir, schema) => {
  it.each([
    ["key-new-version-created", "KeyNewVersionCreated", "2026-01-01T00:00:05.103Z"],
    ["key-near-expiry", "KeyNearExpiry", "2026-12-02T00:00:00.000Z"],
    ["key-expired", "KeyExpired", "2027-01-01T00:00:01.500Z"],
  ] as const)("decodes the Key Vault %s event", (name, kind, eventTime) => {
    const event = decodeOne(`${dir}/${name}.json`) as KeyVaultKeyEvent;
    expect(event).toEqual({
      kind,
      eventId: expect.any(String) as string,
      eventTime: new Date(eventTime),
      schema,
      vaultArmId: VAULT_ARM_ID,
      vaultName: "kv-cmk",
      vaultUrl: "https://kv-cmk.vault.azure.net",
      keyName: "cmk-aoai",
      version: V1,
      keyId: `https://kv-cmk.vault.azure.net/keys/cmk-aoai/${V1}`,
      notBefore: new Date("2026-01-01T00:00:00Z"),
      expiresOn: new Date("2027-01-01T00:00:00Z"),
      subject: "cmk-aoai",
    });
  });

  it("decodes ResourceWriteSuccess, reading the caller from the claims", () => {
    const event = decodeOne(`${dir}/resource-write-success.json`) as ResourceWriteEvent;
    const accountId = `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod`;
    expect(event).toEqual({
      kind: "ResourceWriteSuccess",
      eventId: "4db48cba-50a2-455a-93b4-de41a3b5b7f6",
      eventTime: new Date("2026-02-10T08:30:12.611Z"),
      schema,
      resourceId: accountId,
      // Read once at decoding and handed to triage.
      parsedResourceId: { id: accountId, type: "Microsoft.CognitiveServices/accounts" },
      operationName: "Microsoft.CognitiveServices/accounts/write",
      status: "Succeeded",
      subscriptionId: SUB,
      tenantId: TENANT,
      correlationId: "6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d",
      caller: {
        objectId: "3c2b1a09-8f7e-4d6c-b5a4-9382716f5e4d",
        appId: "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
      },
      resourceProvider: "Microsoft.CognitiveServices",
    });
  });

  it("decodes ResourceDeleteSuccess", () => {
    const event = decodeOne(`${dir}/resource-delete-success.json`);
    expect(event).toMatchObject({
      kind: "ResourceDeleteSuccess",
      schema,
      resourceId: `/subscriptions/${SUB}/resourceGroups/rg-ml/providers/Microsoft.MachineLearningServices/workspaces/mlw-prod`,
      operationName: "Microsoft.MachineLearningServices/workspaces/delete",
      resourceProvider: "Microsoft.MachineLearningServices",
    });
  });

  it("decodes Resources.CreatedOrUpdated with the inline resource", () => {
    const event = decodeOne(`${dir}/resource-created-or-updated.json`) as ResourceNotificationEvent;
    const desId = `/subscriptions/${SUB}/resourceGroups/rg-vm/providers/Microsoft.Compute/diskEncryptionSets/des-prod`;
    expect(event.kind).toBe("ResourceCreatedOrUpdated");
    expect(event.schema).toBe(schema);
    expect(event.resourceId).toBe(desId);
    expect(event.apiVersion).toBe("2024-03-02");
    expect(event.operationalInfo.resourceEventTime).toEqual(new Date("2026-03-02T10:15:31.447Z"));
    expect(event.resource).toEqual({
      id: desId,
      name: "des-prod",
      type: "Microsoft.Compute/diskEncryptionSets",
      location: "westeurope",
      tags: { owner: "platform" },
      identity: {
        type: "SystemAssigned",
        principalId: "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a",
        tenantId: TENANT,
      },
      properties: {
        activeKey: {
          keyUrl: `https://kv-cmk.vault.azure.net/keys/cmk-des/${V1}`,
          sourceVault: { id: VAULT_ARM_ID },
        },
        encryptionType: "EncryptionAtRestWithCustomerKey",
        rotationToLatestKeyVersionEnabled: 0,
        provisioningState: "Succeeded",
      },
    });
  });

  it("decodes Resources.Deleted, whose resource has only id, name and type", () => {
    const event = decodeOne(`${dir}/resource-deleted.json`) as ResourceNotificationEvent;
    const diskId = `/subscriptions/${SUB}/resourceGroups/rg-vm/providers/Microsoft.Compute/disks/vm1-osdisk`;
    expect(event).toEqual({
      kind: "ResourceDeleted",
      eventId: "c7a2e1b3-4d5f-4a6b-9c0d-1e2f3a4b5c6d",
      eventTime: new Date("2026-03-02T11:00:02.123Z"),
      schema,
      resourceId: diskId,
      resource: { id: diskId, name: "vm1-osdisk", type: "Microsoft.Compute/disks" },
      apiVersion: undefined,
      operationalInfo: { resourceEventTime: new Date("2026-03-02T11:00:02.123Z") },
    });
  });
});

describe("decodeDelivery, subscription validation", () => {
  it("decodes the Event Grid handshake event", () => {
    const event = decodeOne("eventgrid/subscription-validation.json");
    expect(event).toMatchObject({
      kind: "SubscriptionValidation",
      schema: "EventGrid",
      validationCode: "512d38b6-c7b8-40c8-89fe-f46f9e9622b6",
      validationUrl: expect.stringMatching(/^https:\/\/rp-westeurope\.eventgrid\.azure\.net:553\//) as string,
    });
  });

  it("accepts a handshake without validationUrl (API versions before 2018-05-01-preview)", () => {
    const { events, errors } = decodeDelivery({
      id: "v1",
      topic: "/subscriptions/x",
      subject: "",
      eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
      eventTime: "2026-01-01T00:00:00Z",
      data: { validationCode: "code-1" },
      dataVersion: "1",
      metadataVersion: "1",
    });
    expect(errors).toEqual([]);
    expect(events).toEqual([
      {
        kind: "SubscriptionValidation",
        eventId: "v1",
        eventTime: new Date("2026-01-01T00:00:00Z"),
        schema: "EventGrid",
        validationCode: "code-1",
        validationUrl: undefined,
      },
    ]);
  });

  it("decodes the same event in CloudEvents form, though Event Grid uses OPTIONS for CloudEvents handshakes", () => {
    const { events } = decodeDelivery({
      specversion: "1.0",
      id: "v2",
      source: "/subscriptions/x",
      type: "Microsoft.EventGrid.SubscriptionValidationEvent",
      time: "2026-01-01T00:00:00Z",
      data: { validationCode: "code-2", validationUrl: "https://example.invalid/validate" },
    });
    expect(events).toMatchObject([
      { kind: "SubscriptionValidation", schema: "CloudEvents", validationCode: "code-2" },
    ]);
  });

  it("reports a missing validationCode", () => {
    const { events, errors } = decodeDelivery([
      {
        id: "v3",
        topic: "/subscriptions/x",
        subject: "",
        eventType: "Microsoft.EventGrid.SubscriptionValidationEvent",
        eventTime: "2026-01-01T00:00:00Z",
        data: { validationUrl: "https://example.invalid/validate" },
        dataVersion: "1",
      },
    ]);
    expect(events).toEqual([]);
    expect(errors.map((e) => e.field)).toEqual(["[0].data.validationCode"]);
  });
});

describe("decodeDelivery, batches", () => {
  it("decodes every event of an Event Grid batch in order", () => {
    const batch = [
      ...(fixtureJson("eventgrid/key-new-version-created.json") as unknown[]),
      ...(fixtureJson("eventgrid/resource-write-success.json") as unknown[]),
      ...(fixtureJson("eventgrid/resource-created-or-updated.json") as unknown[]),
    ];
    const { events, errors } = decodeDelivery(batch);
    expect(errors).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual([
      "KeyNewVersionCreated",
      "ResourceWriteSuccess",
      "ResourceCreatedOrUpdated",
    ]);
  });

  it("decodes a CloudEvents batch (an array of CloudEvents)", () => {
    const batch = [
      fixtureJson("cloudevents/key-expired.json"),
      fixtureJson("cloudevents/resource-deleted.json"),
      fixtureJson("cloudevents/resource-delete-success.json"),
    ];
    const { events, errors } = decodeDelivery(batch);
    expect(errors).toEqual([]);
    expect(events.map((e) => [e.kind, "schema" in e ? e.schema : undefined])).toEqual([
      ["KeyExpired", "CloudEvents"],
      ["ResourceDeleted", "CloudEvents"],
      ["ResourceDeleteSuccess", "CloudEvents"],
    ]);
  });

  it("detects the schema per event in a mixed array", () => {
    const batch = [
      fixtureJson("cloudevents/key-near-expiry.json"),
      ...(fixtureJson("eventgrid/key-near-expiry.json") as unknown[]),
    ];
    const { events } = decodeDelivery(batch);
    expect(events.map((e) => ("schema" in e ? e.schema : undefined))).toEqual(["CloudEvents", "EventGrid"]);
  });

  it("keeps the good events of a batch with one bad event, and names the bad one", () => {
    const { events, errors } = decodeDeliveryText(fixture("invalid/batch-with-one-bad-event.json"));
    expect(events.map((e) => e.eventId)).toEqual([
      "a1000000-0000-4000-8000-000000000001",
      "a1000000-0000-4000-8000-000000000003",
      "a1000000-0000-4000-8000-000000000004",
      "a1000000-0000-4000-8000-000000000005",
    ]);
    expect(events.map((e) => e.kind)).toEqual([
      "KeyNewVersionCreated",
      "ResourceWriteSuccess",
      "Ignored",
      "Ignored",
    ]);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "EventInvalid", field: "[1].data.Version", eventIndex: 1 });
    expect(errors[0]!.message).toContain("does not match the version");
  });

  it("decodes an empty batch to nothing", () => {
    expect(decodeDelivery([])).toEqual({ events: [], errors: [] });
  });

  it("reads caller ids from oid/azp claims (v2 tokens)", () => {
    const { events } = decodeDeliveryText(fixture("invalid/batch-with-one-bad-event.json"));
    const write = events.find((e) => e.kind === "ResourceWriteSuccess");
    expect(write?.caller).toEqual({
      objectId: "11111111-2222-4333-8444-555555555555",
      appId: "66666666-7777-4888-9999-000000000000",
    });
  });
});

describe("decodeDelivery, events the service does not handle", () => {
  it("ignores other event types with a reason", () => {
    const { events } = decodeDeliveryText(fixture("invalid/batch-with-one-bad-event.json"));
    expect(events[2]).toEqual({
      kind: "Ignored",
      eventId: "a1000000-0000-4000-8000-000000000004",
      eventType: "Microsoft.Storage.BlobCreated",
      reason: "event type Microsoft.Storage.BlobCreated is not handled",
    });
  });

  it("ignores ARM operations out of scope (e.g. the transient deployments write)", () => {
    const event = (fixtureJson("eventgrid/resource-write-success.json") as Record<string, unknown>[])[0]!;
    const data = event.data as Record<string, unknown>;
    const deploymentId = `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.Resources/deployments/aoai-1`;
    const { events, errors } = decodeDelivery({
      ...event,
      subject: deploymentId,
      data: { ...data, resourceUri: deploymentId, operationName: "Microsoft.Resources/deployments/write" },
    });
    expect(errors).toEqual([]);
    expect(events).toEqual([
      {
        kind: "Ignored",
        eventId: "4db48cba-50a2-455a-93b4-de41a3b5b7f6",
        eventType: "Microsoft.Resources.ResourceWriteSuccess",
        reason: "ARM operation Microsoft.Resources/deployments/write is not in scope",
      },
    ]);
  });

  it("decodes out-of-scope ARM operations when scope filtering is off", () => {
    const { events } = decodeDeliveryText(fixture("invalid/batch-with-one-bad-event.json"), {
      filterByScope: false,
    });
    expect(events[3]).toMatchObject({
      kind: "ResourceWriteSuccess",
      operationName: "Microsoft.Storage/storageAccounts/write",
      subscriptionId: SUB,
      resourceProvider: "Microsoft.Storage",
      caller: {},
    });
  });

  it("matches in-scope operations case-insensitively", () => {
    const event = (fixtureJson("eventgrid/resource-write-success.json") as Record<string, unknown>[])[0]!;
    const data = event.data as Record<string, unknown>;
    const { events } = decodeDelivery({
      ...event,
      data: { ...data, operationName: "microsoft.cognitiveservices/ACCOUNTS/write" },
    });
    expect(events[0]?.kind).toBe("ResourceWriteSuccess");
  });

  it("ignores Resource Notifications for resource types out of scope, unless filtering is off", () => {
    const storage = fixtureJson("cloudevents/resource-deleted.json") as Record<string, unknown>;
    const id = `/subscriptions/${SUB}/resourceGroups/rg-data/providers/Microsoft.Storage/storageAccounts/stdata`;
    const body = {
      ...storage,
      subject: id,
      data: { resourceInfo: { id, name: "stdata", type: "Microsoft.Storage/storageAccounts" } },
    };
    expect(decodeDelivery(body).events).toEqual([
      {
        kind: "Ignored",
        eventId: "c7a2e1b3-4d5f-4a6b-9c0d-1e2f3a4b5c6d",
        eventType: "Microsoft.ResourceNotifications.Resources.Deleted",
        reason: "resource type Microsoft.Storage/storageAccounts is not in scope",
      },
    ]);
    expect(decodeDelivery(body, { filterByScope: false }).events[0]).toMatchObject({
      kind: "ResourceDeleted",
      resourceId: id,
    });
  });

  it("matches event types case-insensitively", () => {
    const event = (fixtureJson("eventgrid/key-expired.json") as Record<string, unknown>[])[0]!;
    const { events } = decodeDelivery({ ...event, eventType: "microsoft.keyvault.keyexpired" });
    expect(events[0]?.kind).toBe("KeyExpired");
  });

  it("ignores Key Vault secret and certificate events", () => {
    const event = (fixtureJson("eventgrid/key-expired.json") as Record<string, unknown>[])[0]!;
    const { events, errors } = decodeDelivery({
      ...event,
      eventType: "Microsoft.KeyVault.SecretNewVersionCreated",
    });
    expect(errors).toEqual([]);
    expect(events[0]).toMatchObject({
      kind: "Ignored",
      eventType: "Microsoft.KeyVault.SecretNewVersionCreated",
    });
  });
});

describe("decodeDelivery, ARM operation events", () => {
  const base = (fixtureJson("eventgrid/resource-write-success.json") as Record<string, unknown>[])[0]!;
  const baseData = base.data as Record<string, unknown>;

  it("falls back to the subject, the resource id's subscription and the operation's namespace", () => {
    const {
      resourceUri: _uri,
      subscriptionId: _sub,
      resourceProvider: _rp,
      tenantId: _tenant,
      status: _status,
      correlationId: _corr,
      ...rest
    } = baseData;
    const { events, errors } = decodeDelivery({ ...base, data: rest });
    expect(errors).toEqual([]);
    expect(events[0]).toMatchObject({
      resourceId: base.subject,
      subscriptionId: SUB,
      resourceProvider: "Microsoft.CognitiveServices",
      tenantId: undefined,
      status: undefined,
      correlationId: undefined,
    });
  });

  it("takes the caller's object id from authorization evidence when the claims lack it", () => {
    const { events } = decodeDelivery({ ...base, data: { ...baseData, claims: { appid: "app-1" } } });
    expect((events[0] as ResourceWriteEvent).caller).toEqual({
      objectId: "3c2b1a098f7e4d6cb5a49382716f5e4d",
      appId: "app-1",
    });
  });

  it("accepts claims sent as JSON text", () => {
    const claims = JSON.stringify({ oid: "oid-1", appid: "app-2" });
    const { events } = decodeDelivery({ ...base, data: { ...baseData, claims } });
    expect((events[0] as ResourceWriteEvent).caller).toEqual({ objectId: "oid-1", appId: "app-2" });
  });

  it("does not copy other claims into the event", () => {
    const { events } = decodeDelivery(base);
    expect(JSON.stringify(events)).not.toContain("E2RgYJgS0aEXAMPLEONLY");
  });
});
