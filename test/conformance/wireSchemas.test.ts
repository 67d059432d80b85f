import type { HttpClient } from "@azure/core-rest-pipeline";
import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluateJob } from "../../src/app/evaluateJob.js";
import { planKeyEvent } from "../../src/app/planKeyEvent.js";
import type { KeyVaultKeyEvent } from "../../src/core/events/domainEvents.js";
import type { EvaluateJob } from "../../src/core/jobs/job.js";
import type { ReportAction } from "../../src/core/report/report.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";
import { OpenApiCatalog, type OpenApiOperation } from "./support/openApi.js";

/*
 * A representative run of the service against the emulator (rotation of every consumer type, on an
 * access-policy vault and an Azure RBAC vault; enable CMK on an OpenAI account; attach a disk
 * encryption set to a disk; turn on DES auto-rotation), with every request and answer on the wire
 * captured. Each request body the service sent is validated against the OpenAPI request schema of
 * its operation, and each answer the emulator gave against the response schema, with ajv over the
 * vendored definitions (support/openApi.ts says how OpenAPI 2.0 is read). Neither side can drift
 * from Azure's published contract without this failing.
 */

interface Exchange {
  readonly method: string;
  readonly url: URL;
  readonly requestBody: string | undefined;
  readonly status: number;
  readonly responseBody: string;
}

/**
 * Corrections to the vendored definitions, each a known mistake of the published spec:
 * Resource Graph `QueryResponse.data` is typed `object` but is "Query output in JObject array or
 * Table format" and every example (and Azure) sends an array.
 */
function patchSpecs(file: string, doc: Record<string, unknown>): void {
  if (file.endsWith("/resourcegraph.json")) {
    const definitions = doc.definitions as Record<string, { properties: Record<string, unknown> }>;
    definitions.QueryResponse!.properties.data = { description: "array (objectArray) or table" };
  }
}

const catalog = new OpenApiCatalog(patchSpecs);

/** Requests outside the vendored specs, by why (LRO status monitors are not in the DiskRP/CS/ML swagger). */
const outsideSpecs: [RegExp, string][] = [
  [
    /\/providers\/[^/]+\/locations\/[^/]+\/(operations|operationResults|operationStatuses|asyncOperations)\//i,
    "long-running operation status",
  ],
];

function run(): Promise<{ exchanges: Exchange[]; actions: ReportAction[]; svc: MemoryService }> {
  const b = new TenantBuilder({ seed: "conformance-wire" });
  const sub = b.subscription(b.ids.guid("subscription"), "prod");
  const versions = [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
    { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" },
  ];
  const at = (resourceGroup: string, name: string) => ({ subscriptionId: sub, resourceGroup, name });
  const vault = b.vault({ ...at("rg-keys", "kv-wire") });
  const key = b.key(vault, "cmk", versions);
  const rbacVault = b.vault({ ...at("rg-keys", "kv-wire-rbac"), rbac: true });
  const rbacKey = b.key(rbacVault, "cmk-rbac", versions);
  const old = key.versionIds[0]!;
  const grant = (principalId: string | undefined): void => {
    b.grantKeyAccess(vault, principalId!);
  };
  // Rotation of each consumer type, from the older version to the newer.
  grant(
    b.diskEncryptionSet({ ...at("rg-compute", "des-rotate"), keyUrl: old, sourceVaultId: vault.id })
      .principalId,
  );
  grant(
    b.aiServicesAccount({
      ...at("rg-ai", "aoai-rotate"),
      kind: "OpenAI",
      cmk: { vaultUrl: vault.url, keyName: key.name, keyVersion: key.versions[0]! },
    }).principalId,
  );
  grant(b.mlWorkspace({ ...at("rg-ml", "mlw-rotate"), cmk: { vaultId: vault.id, keyId: old } }).principalId);
  const rbacDes = b.diskEncryptionSet({
    ...at("rg-compute", "des-rbac"),
    keyUrl: rbacKey.versionIds[0]!,
    sourceVaultId: rbacVault.id,
  });
  b.roleAssignment({
    scope: rbacVault.id,
    principalId: rbacDes.principalId!,
    roleDefinitionName: "Key Vault Crypto Service Encryption User",
  });
  // A disk encryption set on a Managed HSM key: the pool's ARM resource, keys and local RBAC listing.
  const hsm = b.managedHsm({ ...at("rg-keys", "hsm-wire") });
  const hsmKey = b.key(
    hsm,
    "cmk-hsm",
    versions.map((v) => ({ ...v, kty: "RSA-HSM" as const })),
  );
  const hsmDes = b.diskEncryptionSet({ ...at("rg-compute", "des-hsm"), keyUrl: hsmKey.versionIds[0]! });
  b.hsmRoleAssignment(hsm, {
    principalId: hsmDes.principalId!,
    role: "Managed HSM Crypto Service Encryption User",
    scope: "/keys/cmk-hsm",
  });
  // The emulator credential's principal: the service itself.
  b.hsmRoleAssignment(hsm, {
    principalId: "00000000-0000-0000-0000-0000000000e1",
    role: "Managed HSM Crypto Auditor",
  });
  // Enable CMK, attach a disk encryption set, turn auto-rotation on.
  const mmk = b.aiServicesAccount({ ...at("rg-ai", "aoai-mmk"), kind: "OpenAI" });
  grant(mmk.principalId);
  const regionSet = b.diskEncryptionSet({
    ...at("rg-compute", "des-region"),
    keyUrl: key.versionIds[1]!,
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  grant(regionSet.principalId);
  const disk = b.disk({ ...at("rg-compute", "data-pmk"), encryption: "platform" });
  const manual = b.diskEncryptionSet({
    ...at("rg-compute", "des-manual"),
    keyUrl: key.versionIds[1]!,
    sourceVaultId: vault.id,
  });
  grant(manual.principalId);

  const exchanges: Exchange[] = [];
  const capture = (client: HttpClient): HttpClient => ({
    async sendRequest(request) {
      const requestBody = typeof request.body === "string" ? request.body : undefined;
      const response = await client.sendRequest(request);
      exchanges.push({
        method: request.method,
        url: new URL(request.url),
        requestBody,
        status: response.status,
        responseBody: response.bodyAsText ?? "",
      });
      return response;
    },
  });
  const svc = createMemoryService(b.build(), {
    wrapHttpClient: capture,
    env: {
      CMKR_AI_SERVICES_MODE: "enforce",
      CMKR_ENFORCE_KEYS: `westeurope=${key.versionIds[1]!}`,
      CMKR_DISK_MODE: "enforce",
      CMKR_ENFORCE_DISK_ENCRYPTION_SETS: `westeurope=${regionSet.id}`,
      CMKR_DES_AUTO_ROTATION: "enable",
    },
  });
  const keyEvent = (k: typeof key, v: typeof vault): KeyVaultKeyEvent => ({
    kind: "KeyNewVersionCreated",
    eventId: `evt-${k.name}`,
    eventTime: new Date("2026-11-22T11:59:00Z"),
    schema: "EventGrid",
    vaultArmId: v.id,
    vaultName: v.name,
    vaultUrl: k.vaultUrl,
    keyName: k.name,
    version: k.versions[1]!,
    keyId: k.versionIds[1]!,
    subject: k.name,
  });
  const evaluate = (resourceId: string, resourceType: string): EvaluateJob => ({
    v: 1,
    kind: "evaluate",
    jobId: `job-${resourceId.split("/").at(-1) ?? ""}`,
    dedupeKey: `${resourceId.toLowerCase()}|evt-wire`,
    claimGroup: "resource-events",
    resourceId,
    resourceType,
    trigger: "ResourceWrite",
    eventId: "evt-wire",
    correlationId: "corr-wire",
    enqueuedAt: "2026-11-22T11:59:00.000Z",
  });
  const planner = { ...svc.ctx, dryRun: false };
  return (async () => {
    await planKeyEvent(keyEvent(key, vault), planner);
    await planKeyEvent(keyEvent(rbacKey, rbacVault), planner);
    await planKeyEvent(keyEvent(hsmKey, hsm), planner);
    await svc.drain();
    const actions = [...svc.workerActions];
    actions.push(...(await evaluateJob(evaluate(mmk.id, "Microsoft.CognitiveServices/accounts"), svc.ctx)));
    actions.push(...(await evaluateJob(evaluate(disk.id, "Microsoft.Compute/disks"), svc.ctx)));
    actions.push(
      ...(await evaluateJob(evaluate(manual.id, "Microsoft.Compute/diskEncryptionSets"), svc.ctx)),
    );
    return { exchanges, actions, svc };
  })();
}

interface Checked {
  exchange: Exchange;
  op: OpenApiOperation | undefined;
  request: string[] | "no body";
  response: string[] | "no body" | "no schema";
}

function parse(text: string): unknown {
  return text.trim() === "" ? undefined : (JSON.parse(text) as unknown);
}

function check(exchange: Exchange): Checked {
  if (outsideSpecs.some(([pattern]) => pattern.test(exchange.url.pathname))) {
    return { exchange, op: undefined, request: "no body", response: "no schema" };
  }
  const dataPlane = /\.vault\.azure\.net$|\.managedhsm\.azure\.net$/i.test(exchange.url.hostname);
  const op = catalog.operationFor(exchange.method, exchange.url, dataPlane);
  if (op === undefined) return { exchange, op, request: "no body", response: "no schema" };
  const requestBody = exchange.requestBody === undefined ? undefined : parse(exchange.requestBody);
  const request =
    op.requestSchema === undefined || requestBody === undefined
      ? ("no body" as const)
      : catalog.validate("request", op, op.requestSchema, requestBody);
  const schema =
    op.responseSchemas[String(exchange.status)] ??
    (exchange.status >= 400 ? op.responseSchemas.default : undefined);
  const responseBody = parse(exchange.responseBody);
  const response =
    responseBody === undefined
      ? ("no body" as const)
      : schema === undefined
        ? ("no schema" as const)
        : catalog.validate("response", op, schema, responseBody);
  return { exchange, op, request, response };
}

const label = (c: Checked): string =>
  `${c.exchange.method} ${c.exchange.url.pathname} ${c.exchange.status} (${c.op?.operationId ?? "?"})`;

describe("a representative run's wire traffic against Azure's OpenAPI definitions", () => {
  let checked: Checked[];
  let actions: ReportAction[];

  beforeAll(async () => {
    const result = await run();
    actions = result.actions;
    checked = result.exchanges.map(check);
  });

  it("every external $ref of the vendored definitions resolves (to a vendored file or a stub)", () => {
    expect(catalog.unresolvedExternalFiles()).toEqual([]);
  });

  it("the run did what it is meant to exercise", () => {
    const applied = actions
      .filter((a) => a.status === "applied")
      .map((a) => `${a.action} ${a.resourceId.split("/").at(-1) ?? ""}`);
    expect(applied.sort()).toEqual(
      [
        "rotate-key des-rotate",
        "rotate-key aoai-rotate",
        "rotate-key mlw-rotate",
        "rotate-key des-rbac",
        "rotate-key des-hsm",
        "enable-cmk aoai-mmk",
        "enable-cmk data-pmk",
        "none des-manual",
      ].sort(),
    );
  });

  it("exercised the operations a run makes", () => {
    const operations = new Set(checked.map((c) => c.op?.operationId).filter((o) => o !== undefined));
    for (const expected of [
      "Resources",
      "DiskEncryptionSets_Get",
      "DiskEncryptionSets_Update",
      "Disks_Get",
      "Disks_Update",
      "Accounts_Get",
      "Accounts_Update",
      "Workspaces_Get",
      "Workspaces_Update",
      "Vaults_Get",
      "ManagedHsms_Get",
      "GetKey",
      "GetKeyVersions",
    ])
      expect(operations, expected).toContain(expected);
    expect(
      checked.some(
        (c) =>
          c.op?.operationId === "RoleAssignments_ListForScope" && c.exchange.url.host.includes("managedhsm"),
      ),
    ).toBe(true);
    // The SDK's listForScope on a vault: the spec describes that URL as ListForScope and as ListForResource.
    expect(
      ["RoleAssignments_ListForScope", "RoleAssignments_ListForResource"].some((o) => operations.has(o)),
    ).toBe(true);
  });

  it("every request is an operation of the vendored specs (or a known kind outside them)", () => {
    const unknown = checked
      .filter((c) => c.op === undefined)
      .filter((c) => !outsideSpecs.some(([pattern]) => pattern.test(c.exchange.url.pathname)))
      .map(label);
    expect(unknown).toEqual([]);
  });

  it("every request body the service sent conforms to its operation's request schema", () => {
    const bad = checked
      .filter((c) => Array.isArray(c.request) && c.request.length > 0)
      .map((c) => `${label(c)}: ${(c.request as string[]).join("; ")}`);
    expect(bad).toEqual([]);
    expect(checked.filter((c) => Array.isArray(c.request)).length).toBeGreaterThanOrEqual(7);
  });

  it("every answer the emulator gave conforms to its operation's response schema", () => {
    const bad = checked
      .filter((c) => Array.isArray(c.response) && c.response.length > 0)
      .map((c) => `${label(c)}: ${(c.response as string[]).slice(0, 5).join("; ")}`);
    expect(bad).toEqual([]);
    expect(checked.filter((c) => c.op !== undefined && c.response === "no schema").map(label)).toEqual([]);
  });

  it("the validators refuse what the schemas refuse (so the checks above can fail)", () => {
    const first = (operationId: string): Checked => {
      const found = checked.find((c) => c.op?.operationId === operationId && c.exchange.status < 300);
      if (found?.op === undefined) throw new Error(`no ${operationId} in the run`);
      return found;
    };
    const update = first("DiskEncryptionSets_Update");
    const sent = JSON.parse(update.exchange.requestBody ?? "{}") as Record<string, unknown>;
    const op = update.op!;
    // A read-only property sent (identity.principalId), and a key reference of the wrong type.
    expect(
      catalog.validate("request", op, op.requestSchema!, {
        ...sent,
        identity: { type: "SystemAssigned", principalId: "5f4e3d2c-1b0a-4987-8654-3210fedcba98" },
      }),
    ).not.toEqual([]);
    expect(
      catalog.validate("request", op, op.requestSchema!, {
        properties: { activeKey: "https://kv/keys/k/1" },
      }),
    ).not.toEqual([]);
    // A request enum outside the documented values (open enums are closed for requests).
    expect(
      catalog.validate("request", op, op.requestSchema!, { properties: { encryptionType: "Bogus" } }),
    ).not.toEqual([]);
    const get = first("GetKey");
    const answer = JSON.parse(get.exchange.responseBody) as { attributes: Record<string, unknown> };
    expect(
      catalog.validate("response", get.op!, get.op!.responseSchemas["200"]!, {
        ...answer,
        attributes: { ...answer.attributes, created: "yesterday" },
      }),
    ).not.toEqual([]);
  });

  it("counts", () => {
    const ops = new Set(checked.filter((c) => c.op !== undefined).map((c) => c.op?.operationId));
    const requests = checked.filter((c) => Array.isArray(c.request)).length;
    const responses = checked.filter((c) => Array.isArray(c.response)).length;
    console.info(
      `wire conformance: ${checked.length} exchanges, ${ops.size} operations (${[...ops].sort().join(", ")}), ${requests} request bodies and ${responses} response bodies validated`,
    );
    expect(ops.size).toBeGreaterThanOrEqual(13);
  });
});
