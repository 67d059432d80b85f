import { readdirSync, readFileSync } from "node:fs";
import { EventGridDeserializer } from "@azure/eventgrid";
import { describe, expect, it } from "vitest";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import filters from "../../infra/eventFilters.json" with { type: "json" };
import {
  EventTypes,
  handledEventTypes,
  inScopeArmOperations,
  inScopeResourceTypes,
  isArmOperationInScope,
  isResourceTypeInScope,
} from "../../src/core/events/eventTypes.js";

const fixturesDir = new URL("../fixtures/events/", import.meta.url);
const fixtureFiles = (dir: string): string[] =>
  readdirSync(new URL(`${dir}/`, fixturesDir)).filter((name) => name.endsWith(".json"));
const fixtureText = (dir: string, name: string): string =>
  readFileSync(new URL(`${dir}/${name}`, fixturesDir), "utf8");

describe("eventFilters.json", () => {
  it("lists exactly the handled event types of EventTypes (except the handshake, which is never filtered)", () => {
    const { SubscriptionValidation: _handshake, ...filtered } = EventTypes;
    const fromJson = [
      ...handledEventTypes.keyVault,
      ...handledEventTypes.armSubscription,
      ...handledEventTypes.resourceNotifications,
    ];
    expect(fromJson.toSorted()).toEqual(Object.values(filtered).toSorted());
  });

  it("lists the in-scope ARM write and delete operations in pairs", () => {
    expect(inScopeArmOperations.write).toEqual([
      "Microsoft.CognitiveServices/accounts/write",
      "Microsoft.Compute/disks/write",
      "Microsoft.Compute/diskEncryptionSets/write",
      "Microsoft.MachineLearningServices/workspaces/write",
      "Microsoft.KeyVault/vaults/write",
    ]);
    expect(inScopeArmOperations.delete).toEqual(
      inScopeArmOperations.write.map((op) => op.replace(/\/write$/, "/delete")),
    );
  });

  it("lists the resource types of the in-scope operations", () => {
    expect(inScopeResourceTypes).toEqual(inScopeArmOperations.write.map((op) => op.replace(/\/write$/, "")));
  });

  it("is the file the module reads", () => {
    expect(handledEventTypes).toEqual(filters.handledEventTypes);
  });

  it("answers scope questions case-insensitively", () => {
    expect(isArmOperationInScope("Microsoft.Compute/diskEncryptionSets/write")).toBe(true);
    expect(isArmOperationInScope("MICROSOFT.COMPUTE/DISKS/DELETE")).toBe(true);
    expect(isArmOperationInScope("Microsoft.Compute/virtualMachines/write")).toBe(false);
    expect(isArmOperationInScope("Microsoft.Compute/disks/beginGetAccess/action")).toBe(false);
    expect(isResourceTypeInScope("microsoft.keyvault/vaults")).toBe(true);
    expect(isResourceTypeInScope("Microsoft.KeyVault/vaults/keys")).toBe(false);
  });
});

describe("fixtures are envelopes @azure/eventgrid's EventGridDeserializer accepts", () => {
  const deserializer = new EventGridDeserializer();

  it.each(fixtureFiles("eventgrid"))("eventgrid/%s", async (name) => {
    const text = fixtureText("eventgrid", name);
    const sdkEvents = await deserializer.deserializeEventGridEvents(text);
    const { events, errors } = decodeDelivery(JSON.parse(text) as unknown);
    expect(errors).toEqual([]);
    expect(events.map((e) => e.eventId)).toEqual(sdkEvents.map((e) => e.id));
    expect(events.map((e) => ("eventTime" in e ? e.eventTime : undefined))).toEqual(
      sdkEvents.map((e) => new Date(e.eventTime)),
    );
  });

  it.each(fixtureFiles("cloudevents"))("cloudevents/%s", async (name) => {
    const text = fixtureText("cloudevents", name);
    const sdkEvents = await deserializer.deserializeCloudEvents(text);
    const { events, errors } = decodeDelivery(JSON.parse(text) as unknown);
    expect(errors).toEqual([]);
    expect(events.map((e) => e.eventId)).toEqual(sdkEvents.map((e) => e.id));
  });

  it("shows why the data is read by hand: the SDK leaves Key Vault's PascalCase keys as sent", async () => {
    const [event] = await deserializer.deserializeEventGridEvents(
      fixtureText("eventgrid", "key-new-version-created.json"),
    );
    const data = event?.data as Record<string, unknown>;
    expect(data.Version).toBe("4f7e2b9c0d1a4e3f8b6c5d4e3f2a1b0c");
    expect(data.version).toBeUndefined();
  });
});
