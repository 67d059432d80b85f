import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTenantFile } from "../../src/emulator/tenantFile.js";
import { decodeDelivery } from "../../src/events/decodeDelivery.js";

describe("examples", () => {
  it("the demo tenant matches the tenant-file contract", async () => {
    const tenant = parseTenantFile(
      JSON.parse(await readFile("examples/tenant.json", "utf8")),
      "examples/tenant.json",
    );
    expect(tenant.subscriptions.map((s) => s.displayName)).toEqual(["prod", "dev", "sandbox"]);
    const types = new Set(tenant.resources.map((r) => r.type));
    for (const type of [
      "Microsoft.CognitiveServices/accounts",
      "Microsoft.Compute/diskEncryptionSets",
      "Microsoft.Compute/disks",
      "Microsoft.MachineLearningServices/workspaces",
      "Microsoft.KeyVault/vaults",
      "Microsoft.Authorization/roleAssignments",
    ]) {
      expect(types).toContain(type);
    }
  });

  it("every sample event decodes and names a key version that exists in the demo tenant", async () => {
    const tenant = parseTenantFile(JSON.parse(await readFile("examples/tenant.json", "utf8")));
    const ids = new Set(tenant.resources.map((r) => r.id.toLowerCase()));
    const files = (await readdir("examples/events")).filter((f) => f.endsWith(".json")).sort();
    expect(files.length).toBeGreaterThanOrEqual(14);
    const schemas = new Set<string>();
    for (const file of files) {
      const { events, errors } = decodeDelivery(
        JSON.parse(await readFile(join("examples/events", file), "utf8")),
        {
          filterByScope: false,
        },
      );
      expect(errors, file).toEqual([]);
      for (const event of events) {
        if (
          event.kind === "KeyNewVersionCreated" ||
          event.kind === "KeyNearExpiry" ||
          event.kind === "KeyExpired"
        ) {
          schemas.add(event.schema);
          const versions = tenant.keyVaults[event.vaultUrl]?.keys[event.keyName]?.map((v) => v.version);
          expect(versions, file).toContain(event.version);
        } else if (
          event.kind === "ResourceWriteSuccess" ||
          event.kind === "ResourceDeleteSuccess" ||
          event.kind === "ResourceCreatedOrUpdated"
        ) {
          schemas.add(event.schema);
          // The deployment duplicate names a transient deployment, which is not a resource of the tenant.
          if (!/\/deployments\//i.test(event.resourceId))
            expect(ids, file).toContain(event.resourceId.toLowerCase());
        } else {
          throw new Error(`${file}: unexpected ${event.kind}`);
        }
      }
    }
    expect([...schemas].sort()).toEqual(["CloudEvents", "EventGrid"]);
  });
});
