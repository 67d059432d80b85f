import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { format, resolveConfig } from "prettier";
import { describe, expect, it } from "vitest";
import { parseTenantFile, type TenantFile } from "@cmkr/azure-emulator";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import { buildExampleTenant } from "../fixtures/exampleTenant.js";

const TENANT_PATH = "examples/tenant.json";
const EVENTS_DIR = "examples/events";
const DAY_MS = 86_400_000;
/** "Now" in the demo story. */
const DEMO_NOW = Date.parse("2026-11-22T12:00:00Z");

async function demoTenant(): Promise<TenantFile> {
  return parseTenantFile(JSON.parse(await readFile(TENANT_PATH, "utf8")), TENANT_PATH);
}

const byName = (tenant: TenantFile, name: string) => {
  const found = tenant.resources.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no resource ${name} in the demo tenant`);
  return found;
};

describe("examples/tenant.json", () => {
  it("is exactly what buildExampleTenant() builds (regenerate: npx vitest run test/unit/examples.test.ts -u)", async () => {
    const config = await resolveConfig(TENANT_PATH);
    const text = await format(JSON.stringify(buildExampleTenant(), null, 2), { ...config, parser: "json" });
    await expect(text).toMatchFileSnapshot(`../../${TENANT_PATH}`);
  });

  it("matches the tenant-file contract, with prod, dev and sandbox and every type the service handles", async () => {
    const tenant = await demoTenant();
    expect(tenant.subscriptions.map((s) => s.displayName)).toEqual(["prod", "dev", "sandbox"]);
    expect(new Set(tenant.resources.map((r) => r.type))).toEqual(
      new Set([
        "Microsoft.KeyVault/vaults",
        "Microsoft.CognitiveServices/accounts",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.Compute/diskEncryptionSets",
        "Microsoft.Compute/virtualMachines",
        "Microsoft.Compute/disks",
        "Microsoft.MachineLearningServices/workspaces",
        // What a workspace without a customer-managed key holds, for its re-creation kit.
        ...[
          "computes",
          "connections",
          "datastores",
          "models",
          "environments",
          "components",
          "data",
          "schedules",
          "privateEndpointConnections",
          "onlineEndpoints",
          "onlineEndpoints/deployments",
          "batchEndpoints",
          "batchEndpoints/deployments",
        ].map((child) => `Microsoft.MachineLearningServices/workspaces/${child}`),
      ]),
    );
    // Small enough to read: 20 to 40 resources, not counting the workspaces' children.
    const topLevel = tenant.resources.filter((r) => !/\/workspaces\/[^/]+\//i.test(r.id));
    expect(topLevel.length).toBeGreaterThanOrEqual(20);
    expect(topLevel.length).toBeLessThanOrEqual(40);
  });

  it("holds the key versions the scenario needs: a 3072-bit successor, a disabled one, one expiring soon, one expired", async () => {
    const tenant = await demoTenant();
    const versions = Object.values(tenant.keyVaults).flatMap((vault) =>
      Object.entries(vault.keys).flatMap(([name, list]) => list.map((v) => ({ name, ...v }))),
    );
    const expires = (v: { expiresOn?: string | null }) =>
      v.expiresOn === null || v.expiresOn === undefined ? Infinity : Date.parse(v.expiresOn);
    expect(versions.filter((v) => v.keySize === 3072).map((v) => v.name)).toEqual(["cmk-large"]);
    expect(versions.filter((v) => !v.enabled).map((v) => v.name)).toEqual(["cmk-archive"]);
    const soon = versions.filter((v) => expires(v) > DEMO_NOW && expires(v) < DEMO_NOW + 30 * DAY_MS);
    expect(soon.map((v) => v.name)).toEqual(["cmk-old"]);
    expect(versions.filter((v) => expires(v) <= DEMO_NOW).map((v) => v.name)).toEqual(["cmk-archive"]);
    // Everything else is a healthy 2026 version expiring in 2027 or 2028.
    for (const v of versions.filter((x) => x.name !== "cmk-old" && x.name !== "cmk-archive")) {
      expect(v.createdOn.startsWith("2026-"), v.version).toBe(true);
      expect(v.expiresOn, v.version).toMatch(/^202[78]-/);
    }
  });

  it("holds the consumers and vaults the scenario needs", async () => {
    const tenant = await demoTenant();
    const props = (name: string) => byName(tenant, name).properties as Record<string, unknown>;
    expect(props("kv-cmk-rbac").enableRbacAuthorization).toBe(true);
    expect(props("kv-cmk-dev").enablePurgeProtection).toBeUndefined();
    expect(props("kv-cmk-prod").enablePurgeProtection).toBe(true);
    expect(byName(tenant, "ais-noidentity").identity).toBeUndefined();
    expect(props("des-prod-auto").rotationToLatestKeyVersionEnabled).toBe(true);
    expect(props("mlw-sse-prod").enableServiceSideCMKEncryption).toBe(true);
    expect(props("mlp-fraud").hubResourceId).toBe(byName(tenant, "mlh-platform").id);
    expect(props("mlh-platform").associatedWorkspaces).toEqual([byName(tenant, "mlp-fraud").id]);
    // A hub without a customer-managed key, with two projects, to re-create (its kit's demo).
    expect(props("mlh-research").encryption).toBeUndefined();
    expect(props("mlh-research").associatedWorkspaces).toEqual([
      byName(tenant, "mlp-vision").id,
      byName(tenant, "mlp-forecast").id,
    ]);
    expect(byName(tenant, "vm-app-01-os").managedBy).toBe(byName(tenant, "vm-app-01").id);
    expect(props("vm-app-01-os").diskState).toBe("Attached");
    expect(props("vm-build-01-os").diskState).toBe("Reserved");
    expect(props("scratch-01").diskState).toBe("Unattached");
    expect(byName(tenant, "aoai-excluded").tags).toEqual({ "cmk-remediation": "exclude" });
  });

  it("grants every system identity that uses a vault's key an access policy on that vault, unless a gap is intended", async () => {
    const tenant = await demoTenant();
    const policies = new Map<string, Map<string, string[]>>();
    for (const vault of tenant.resources.filter((r) => r.type === "Microsoft.KeyVault/vaults")) {
      const p = vault.properties as {
        vaultUri: string;
        accessPolicies: { objectId: string; permissions: { keys: string[] } }[];
      };
      policies.set(
        p.vaultUri.replace(/\/$/, ""),
        new Map(p.accessPolicies.map((ap) => [ap.objectId, ap.permissions.keys])),
      );
    }
    const keyUrlOf = (r: TenantFile["resources"][number]): string | undefined => {
      const p = r.properties as Record<string, Record<string, Record<string, string> | string> | undefined>;
      if (r.type === "Microsoft.Compute/diskEncryptionSets")
        return (p.activeKey as Record<string, string>).keyUrl;
      if (r.type === "Microsoft.MachineLearningServices/workspaces")
        return (p.encryption?.keyVaultProperties as Record<string, string> | undefined)?.keyIdentifier;
      const kvp = p.encryption?.keyVaultProperties as Record<string, string> | undefined;
      return kvp === undefined ? undefined : `${kvp.keyVaultUri ?? ""}keys/${kvp.keyName ?? ""}`;
    };
    const gaps: string[] = [];
    for (const r of tenant.resources) {
      const url = keyUrlOf(r);
      if (url === undefined) continue;
      const vault = policies.get(new URL(url).origin);
      const principal = (r.identity as { principalId?: string } | undefined)?.principalId ?? "";
      const keys = vault?.get(principal) ?? [];
      if (!["get", "wrapKey", "unwrapKey"].every((k) => keys.includes(k))) gaps.push(r.name);
    }
    expect(gaps).toEqual(["ais-docs-prod"]);
  });
});

interface EventFile {
  file: string;
  schema: "EventGrid" | "CloudEvents";
  events: Record<string, unknown>[];
}

async function eventFiles(): Promise<EventFile[]> {
  const names = (await readdir(EVENTS_DIR)).filter((f) => f.endsWith(".json")).sort();
  const out: EventFile[] = [];
  for (const file of names) {
    const json = JSON.parse(await readFile(join(EVENTS_DIR, file), "utf8")) as unknown;
    const schema = file.endsWith(".eventgrid.json") ? "EventGrid" : "CloudEvents";
    const events = (Array.isArray(json) ? json : [json]) as Record<string, unknown>[];
    out.push({ file, schema, events });
  }
  return out;
}

const str = (value: unknown): string => (typeof value === "string" ? value : "");

/** The envelope fields both schemas share, under their schema's names. */
function envelope(schema: EventFile["schema"], e: Record<string, unknown>) {
  return schema === "EventGrid"
    ? { type: str(e.eventType), source: str(e.topic), time: str(e.eventTime) }
    : { type: str(e.type), source: str(e.source), time: str(e.time) };
}

describe("examples/events", () => {
  it("are named NN-what.{eventgrid|cloudevents}.json, replay in that order, and each is described in examples/README.md", async () => {
    const files = await eventFiles();
    expect(files.length).toBeGreaterThanOrEqual(15);
    const readme = await readFile("examples/README.md", "utf8");
    files.forEach(({ file }, i) => {
      expect(file).toMatch(/^\d{2}-[a-z0-9-]+\.(eventgrid|cloudevents)\.json$/);
      expect(Number(file.slice(0, 2)), file).toBe(i + 1);
      expect(readme.split(`events/${file}`).length - 1, `${file} in the README`).toBe(1);
    });
  });

  it("carry the envelope fields of their schema: Event Grid arrays, CloudEvents 1.0 objects or batches", async () => {
    for (const { file, schema, events } of await eventFiles()) {
      const raw = JSON.parse(await readFile(join(EVENTS_DIR, file), "utf8")) as unknown;
      if (schema === "EventGrid") expect(Array.isArray(raw), file).toBe(true);
      for (const e of events) {
        const required =
          schema === "EventGrid"
            ? ["id", "topic", "subject", "eventType", "eventTime", "data", "dataVersion", "metadataVersion"]
            : ["specversion", "id", "source", "subject", "type", "time", "data"];
        for (const field of required) expect(e, `${file}: ${field}`).toHaveProperty(field);
        if (schema === "CloudEvents") expect(e.specversion, file).toBe("1.0");
        expect(Number.isNaN(Date.parse(envelope(schema, e).time)), file).toBe(false);
      }
      const decoded = decodeDelivery(raw, { filterByScope: false });
      expect(decoded.errors, file).toEqual([]);
      expect(
        decoded.events.map((d) => d.kind),
        file,
      ).not.toContain("Ignored");
      expect(new Set(decoded.events.map((d) => ("schema" in d ? d.schema : undefined))), file).toEqual(
        new Set([schema]),
      );
    }
  });

  it("use each event id once, apart from the deliberate redelivery (06 repeats 01)", async () => {
    const ids = (await eventFiles()).flatMap(({ file, events }) =>
      events.map((e) => ({ file, id: str(e.id) })),
    );
    const seen = new Map<string, string>();
    const repeats: string[] = [];
    for (const { file, id } of ids) {
      const first = seen.get(id);
      if (first === undefined) seen.set(id, file);
      else repeats.push(`${file} repeats ${first}`);
    }
    expect(repeats).toEqual([
      "06-key-new-version-prod-duplicate.eventgrid.json repeats 01-key-new-version-prod.eventgrid.json",
    ]);
  });

  it("Key Vault events name a vault, key and version of the demo tenant, with PascalCase data matching the version", async () => {
    const tenant = await demoTenant();
    const vaults = tenant.resources.filter((r) => r.type === "Microsoft.KeyVault/vaults");
    const kinds = new Set<string>();
    for (const { file, schema, events } of await eventFiles()) {
      for (const e of events) {
        const { type, source, time } = envelope(schema, e);
        if (!type.startsWith("Microsoft.KeyVault.")) continue;
        kinds.add(type);
        const data = e.data as Record<string, unknown>;
        const keyId = new URL(str(data.Id));
        const [, keysSegment, name, version] = keyId.pathname.split("/");
        expect(keysSegment, file).toBe("keys");
        const vault = vaults.find(
          (vlt) => (vlt.properties as { vaultUri: string }).vaultUri === `${keyId.origin}/`,
        );
        expect(vault, file).toBeDefined();
        expect(source, file).toBe(vault?.id);
        expect(e.subject, file).toBe(name);
        expect(data, file).toMatchObject({
          VaultName: vault?.name,
          ObjectType: "Key",
          ObjectName: name,
          Version: version,
        });
        const versions = tenant.keyVaults[keyId.origin]?.keys[name ?? ""] ?? [];
        const stored = versions.find((x) => x.version === version);
        expect(stored, file).toBeDefined();
        const epoch = (iso: string | null | undefined) =>
          iso === null || iso === undefined ? null : Date.parse(iso) / 1000;
        expect(data.EXP, file).toBe(epoch(stored?.expiresOn));
        expect(data.NBF, file).toBe(epoch(stored?.notBefore));
        const eventTime = Date.parse(time);
        if (type.endsWith("KeyNewVersionCreated")) {
          const newest = [...versions].sort((a, b) => Date.parse(b.createdOn) - Date.parse(a.createdOn))[0];
          expect(version, `${file}: announces the newest version`).toBe(newest?.version);
          expect(eventTime, file).toBeGreaterThanOrEqual(Date.parse(stored?.createdOn ?? ""));
        } else if (type.endsWith("KeyNearExpiry")) {
          expect(Number(data.EXP) * 1000 - eventTime, file).toBe(30 * DAY_MS);
        } else {
          expect(eventTime, `${file}: fires once expired`).toBeGreaterThanOrEqual(Number(data.EXP) * 1000);
        }
      }
    }
    expect([...kinds].sort()).toEqual([
      "Microsoft.KeyVault.KeyExpired",
      "Microsoft.KeyVault.KeyNearExpiry",
      "Microsoft.KeyVault.KeyNewVersionCreated",
    ]);
  });

  it("ARM events name resources of the demo tenant, from their subscription's topic; only the deployment is transient", async () => {
    const tenant = await demoTenant();
    const ids = new Set(tenant.resources.map((r) => r.id.toLowerCase()));
    const transient: string[] = [];
    for (const { file, schema, events } of await eventFiles()) {
      for (const e of events) {
        const { type, source } = envelope(schema, e);
        if (!type.startsWith("Microsoft.Resources.")) continue;
        const data = e.data as Record<string, unknown>;
        const uri = str(data.resourceUri);
        expect(e.subject, file).toBe(uri);
        expect(source, file).toBe(`/subscriptions/${str(data.subscriptionId)}`);
        expect(uri.startsWith(source), file).toBe(true);
        expect(data.tenantId, file).toBe(tenant.tenantId);
        const verb = type === "Microsoft.Resources.ResourceDeleteSuccess" ? "delete" : "write";
        const provider = /\/providers\/([^/]+\/[^/]+)\/[^/]+$/.exec(uri)?.[1] ?? "";
        expect(data.operationName, file).toBe(`${provider}/${verb}`);
        const claims = data.claims as Record<string, string>;
        const evidence = (data.authorization as { evidence: { principalId: string } }).evidence;
        expect(evidence.principalId, file).toBe(
          claims["http://schemas.microsoft.com/identity/claims/objectidentifier"]?.replace(/-/g, ""),
        );
        if (!ids.has(uri.toLowerCase())) transient.push(file);
      }
    }
    expect(transient).toEqual(["08-write-deployment-duplicate.eventgrid.json"]);
  });

  it("the deployment duplicate shares its correlation id with the account write it duplicates", async () => {
    const files = await eventFiles();
    const data = (name: string) =>
      files.find((f) => f.file.startsWith(name))?.events[0]?.data as Record<string, unknown>;
    expect(data("08-").correlationId).toBe(data("07-").correlationId);
    expect(str(data("08-").resourceUri)).toMatch(/\/providers\/Microsoft\.Resources\/deployments\//);
  });

  it("the resource notification carries the disk's properties inline, as the tenant holds them", async () => {
    const tenant = await demoTenant();
    const notifications = (await eventFiles()).flatMap(({ schema, events }) =>
      events.filter(
        (e) => envelope(schema, e).type === "Microsoft.ResourceNotifications.Resources.CreatedOrUpdated",
      ),
    );
    expect(notifications).toHaveLength(1);
    const info = (notifications[0]?.data as { resourceInfo: Record<string, unknown> }).resourceInfo;
    const disk = tenant.resources.find((r) => r.id === info.id);
    expect(info).toEqual({
      id: disk?.id,
      name: disk?.name,
      type: disk?.type,
      location: disk?.location,
      tags: disk?.tags,
      properties: disk?.properties,
    });
  });
});
