import { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { beforeAll, describe, expect, inject, it } from "vitest";
import roleActions from "../../infra/roleActions.json" with { type: "json" };
import { remediateKey } from "../../src/app/remediate.js";
import { runSweep } from "../../src/app/sweep.js";
import { handleEvents } from "../../src/app/handleEvents.js";
import { classifyArmPath, pathSegments, type RequestLogEntry, type ArmResource } from "@cmkr/azure-emulator";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import { stringField } from "../../src/core/arm/armResource.js";
import { createServiceHarness, type ServiceHarness } from "../support/serviceHarness.js";
import {
  CVM_RELEASE_POLICY,
  SINGLE_KEY,
  SingleKeyTenant,
  TenantBuilder,
} from "@cmkr/azure-emulator/tenant-builder";
import { keyEventDelivery } from "../support/keyEvents.js";

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;
const { keyId, subscriptionId, location: LOCATION, tenantId: TENANT_ID } = SINGLE_KEY;

/**
 * The custom role in infra/roleActions.json must hold exactly the Azure RBAC actions the service performs.
 * This drives the real service (event handlers, queue worker, sweep, SDK clients) against the emulator
 * through rotation (a confidential VM set's offline rotation too), detection, the periodic sweep (over a
 * deleted vault too), management-group scope, enforce-mode remediation (on an RBAC vault too) and manual
 * remediation, then maps every request the emulator answered to the RBAC action Azure checks for it.
 */

/**
 * The RBAC action Azure authorizes a request against, and whether it is a data action; `hsmLocal` for
 * a Managed HSM pool's data plane, which its own local RBAC authorizes (not Azure RBAC).
 */
interface RbacAction {
  action: string;
  data: boolean;
  hsmLocal?: boolean;
}

/**
 * Managed HSM local RBAC data actions ("Local RBAC built-in roles for Managed HSM", Permitted
 * operations): reading a key or its versions is `keys/read/action`; listing role assignments is
 * `roleAssignments/read/action`.
 */
function hsmLocalActionOf(entry: RequestLogEntry, url: URL): RbacAction {
  const what = `${entry.method} ${url.pathname}`;
  if (entry.method === "GET" && /\/providers\/microsoft\.authorization\/roleassignments$/i.test(url.pathname))
    return {
      action: "Microsoft.KeyVault/managedHsm/roleAssignments/read/action",
      data: true,
      hsmLocal: true,
    };
  const [collection] = pathSegments(url.pathname);
  if (collection?.toLowerCase() === "keys" && entry.method === "GET")
    return { action: "Microsoft.KeyVault/managedHsm/keys/read/action", data: true, hsmLocal: true };
  throw new Error(`no local RBAC mapping for the Managed HSM request ${what}`);
}

const armVerb: Record<string, string> = {
  GET: "read",
  HEAD: "read",
  PUT: "write",
  PATCH: "write",
  DELETE: "delete",
};

const isVaultHost = (host: string): boolean => /\.vault\.azure\.net$/i.test(host);

/**
 * Read-only views ARM serves beside a resource, and the action Microsoft publishes for each, from the
 * Microsoft.Compute operations list (MicrosoftDocs/azure-docs
 * articles/role-based-access-control/permissions/compute.md):
 * - `GET {vm}/instanceView` (ComputeRP `VirtualMachines_InstanceView`):
 *   `Microsoft.Compute/virtualMachines/instanceView/read`, "Gets the detailed runtime status of the
 *   virtual machine and its resources";
 * - `GET {set}/associatedResources` (DiskRP `DiskEncryptionSets_ListAssociatedResources`): the list
 *   publishes exactly three operations on disk encryption sets (`read`, `write`, `delete`) and none for
 *   this view, so the only action a role can name for it is `Microsoft.Compute/diskEncryptionSets/read`
 *   (no Microsoft text says so in words: see docs/deployment.md). Should Azure refuse it, the set's VM
 *   states are unreadable and the service refuses the write (rotateConsumer `readVmStates`).
 * A view is not a child resource type: `{type}/{view}/read` is not guessed for one that is not here.
 */
const armViews: Readonly<Record<string, string>> = {
  "microsoft.compute/virtualmachines/instanceview": "Microsoft.Compute/virtualMachines/instanceView/read",
  "microsoft.compute/diskencryptionsets/associatedresources": "Microsoft.Compute/diskEncryptionSets/read",
};

/**
 * A collection under a Compute resource: a view (`instanceView`, `vmSizes`, `associatedResources`...)
 * or a child type the service never lists, so unless {@link armViews} names it, it is not guessed.
 */
const isViewLike = (type: string): boolean =>
  /^microsoft\.compute\/(virtualmachines|diskencryptionsets|disks|snapshots)\//i.test(type);

/**
 * `GET /subscriptions/{s}/providers/Microsoft.KeyVault/locations/{l}/deletedVaults/{name}` (Key Vault
 * `Vaults_GetDeleted`): `Microsoft.KeyVault/locations/deletedVaults/read`, "View the properties of soft
 * deleted key vaults", required at subscription level (MicrosoftDocs/azure-docs
 * articles/key-vault/general/key-vault-recovery.md, Prerequisites).
 */
const deletedVaultPath =
  /^\/subscriptions\/[^/]+\/providers\/microsoft\.keyvault\/locations\/[^/]+\/deletedvaults\/[^/]+$/i;

/**
 * Maps one answered request to its RBAC action, following Azure's rules: ARM GET (of a resource or a
 * list) -> `{type}/read`, PUT/PATCH -> `{type}/write`, DELETE -> `{type}/delete` (a POST action would be
 * `{type}/{action}/action`; the service performs none, so one fails the test until it is mapped here);
 * a Resource Graph query (POST) is `Microsoft.ResourceGraph/resources/read`; a long-running operation's
 * status lives under `{provider}/locations/...`, which the role grants with `{provider}/locations/* /read`
 * because each provider names that path differently; a Key Vault key GET is the data action
 * `Microsoft.KeyVault/vaults/keys/read`; the views in {@link armViews} and a deleted vault's GET
 * ({@link deletedVaultPath}) have the actions Microsoft publishes for them. Anything else fails the
 * test rather than being guessed: other provider-level `locations/...` resources, other views of
 * Compute resources, and a deleted key's GET (`{vault}/deletedkeys/{name}`), for which Microsoft's list
 * of Key Vault data actions names no action (see docs/deployment.md).
 */
function rbacActionOf(entry: RequestLogEntry): RbacAction {
  const url = new URL(entry.url);
  const what = `${entry.method} ${url.pathname}`;
  if (/\.managedhsm\.azure\.net$/i.test(url.hostname)) return hsmLocalActionOf(entry, url);
  if (isVaultHost(url.hostname)) {
    const [collection] = pathSegments(url.pathname);
    if (collection?.toLowerCase() === "keys" && entry.method === "GET") {
      return { action: "Microsoft.KeyVault/vaults/keys/read", data: true };
    }
    throw new Error(`no RBAC mapping for the Key Vault request ${what}`);
  }
  if (/^\/providers\/microsoft\.resourcegraph\/resources$/i.test(url.pathname) && entry.method === "POST") {
    return { action: "Microsoft.ResourceGraph/resources/read", data: false };
  }
  const path = `/${pathSegments(url.pathname).join("/")}`;
  if (deletedVaultPath.test(path)) {
    if (entry.method === "GET")
      return { action: "Microsoft.KeyVault/locations/deletedVaults/read", data: false };
    throw new Error(`no RBAC mapping for the ARM request ${what}`);
  }
  const route = classifyArmPath(url.pathname);
  const verb = armVerb[entry.method];
  switch (route.kind) {
    case "resource":
      // Provider-level resources under `locations/` name their actions each their own way.
      if (/^[^/]+\/locations\//i.test(route.id.type)) break;
      if (verb !== undefined) return { action: `${route.id.type}/${verb}`, data: false };
      break;
    case "roleAssignments":
      if (entry.method === "GET")
        return { action: "Microsoft.Authorization/roleAssignments/read", data: false };
      break;
    case "operation": {
      const provider = pathSegments(url.pathname)[3];
      if (entry.method === "GET" && provider !== undefined) {
        return { action: `${provider}/locations/*/read`, data: false };
      }
      break;
    }
    case "collection": {
      if (entry.method !== "GET") break;
      const view = route.parentIsResource ? armViews[route.type.toLowerCase()] : undefined;
      if (view !== undefined) return { action: view, data: false };
      if (route.parentIsResource && isViewLike(route.type)) break;
      return { action: `${route.type}/read`, data: false };
    }
    case "subscriptions":
    case "subscription":
      return { action: "Microsoft.Resources/subscriptions/read", data: false };
    case "resourceGroups":
      return { action: "Microsoft.Resources/subscriptions/resourceGroups/read", data: false };
    case "resources":
      return { action: "Microsoft.Resources/subscriptions/resources/read", data: false };
    case "invalid":
      break;
  }
  throw new Error(`no RBAC mapping for the ARM request ${what}`);
}

/**
 * Resource Graph answers only with rows the caller may read, so a query needs, besides
 * `Microsoft.ResourceGraph/resources/read`, read access to every type it asks for: `{type}/read` for the
 * `resources` table, the subscription (or resource group) read for `resourcecontainers`. The types are the
 * `type =~ '...'` / `type in~ (...)` literals of the query; a query without one fails the test.
 */
function graphVisibilityActions(query: string): string[] {
  const table = /^\s*(\w+)/.exec(query)?.[1]?.toLowerCase();
  const types = [
    ...[...query.matchAll(/\btype\s*=~\s*'([^']+)'/gi)].map((m) => m[1] ?? ""),
    ...[...query.matchAll(/\btype\s+in~\s*\(([^)]*)\)/gi)].flatMap((m) =>
      [...(m[1] ?? "").matchAll(/'([^']+)'/g)].map((t) => t[1] ?? ""),
    ),
  ];
  if (types.length === 0)
    throw new Error(`cannot tell which types this Resource Graph query reads:\n${query}`);
  const containers: Record<string, string> = {
    "microsoft.resources/subscriptions": "Microsoft.Resources/subscriptions/read",
    "microsoft.resources/subscriptions/resourcegroups":
      "Microsoft.Resources/subscriptions/resourceGroups/read",
  };
  return types.map((type) => {
    if (table === "resources") return `${type}/read`;
    const action = table === "resourcecontainers" ? containers[type.toLowerCase()] : undefined;
    if (action === undefined) throw new Error(`no RBAC mapping for ${table ?? "?"} rows of type ${type}`);
    return action;
  });
}

/** A transport that records the Resource Graph queries the service sends (the request log keeps no bodies). */
function recordGraphQueries(queries: string[]): (client: HttpClient) => HttpClient {
  return (client) => ({
    sendRequest: (request) => {
      if (/^\/providers\/microsoft\.resourcegraph\/resources$/i.test(new URL(request.url).pathname)) {
        if (typeof request.body !== "string") throw new Error("a Resource Graph request without a JSON body");
        queries.push((JSON.parse(request.body) as { query: string }).query);
      }
      return client.sendRequest(request);
    },
  });
}

/** Observed actions, each once, lower-cased (Azure compares action strings case-insensitively). */
class ObservedActions {
  readonly actions = new Set<string>();
  readonly dataActions = new Set<string>();
  /** Managed HSM local RBAC data actions. */
  readonly hsmLocalActions = new Set<string>();
  readonly graphQueries: string[] = [];

  /** Harness options that record this service's Resource Graph queries. */
  get recording(): { wrapHttpClient: (client: HttpClient) => HttpClient } {
    return { wrapHttpClient: recordGraphQueries(this.graphQueries) };
  }

  add(h: ServiceHarness): void {
    for (const entry of h.emulator.log.entries()) {
      // The name of a vault that no longer exists does not resolve in Azure: such a request reaches
      // no one and is authorized against nothing (the emulator answers it 404 before authentication).
      const host = new URL(entry.url).hostname;
      if (isVaultHost(host) && h.emulator.state.vaultByHost(host) === undefined) continue;
      const { action, data, hsmLocal } = rbacActionOf(entry);
      (hsmLocal === true ? this.hsmLocalActions : data ? this.dataActions : this.actions).add(
        action.toLowerCase(),
      );
    }
    for (const query of this.graphQueries) {
      for (const action of graphVisibilityActions(query)) this.actions.add(action.toLowerCase());
    }
  }
}

const lower = (list: readonly string[]): string[] => list.map((a) => a.toLowerCase()).toSorted();
const sorted = (set: ReadonlySet<string>): string[] => [...set].toSorted();

const storage = (): string => inject("azuriteConnectionString");
const SUB = subscriptionId(1);
const twoVersions = [
  { version: V1, createdOn: "2026-01-01T00:00:00Z" },
  { version: V2, createdOn: "2026-11-20T00:00:00Z" },
];

async function deliver(h: ServiceHarness, delivery: unknown): Promise<void> {
  const { events, errors } = decodeDelivery(delivery, { filterByScope: false });
  expect(errors).toEqual([]);
  await handleEvents(events, errors, h.runtime.ctx, { preview: false });
  await h.drain();
}

/** A ResourceWriteSuccess delivery for a resource, as the subscription system topic sends it. */
function writeEvent(resourceId: string): unknown[] {
  const type = resourceId.split("/providers/")[1]?.split("/").slice(0, 2).join("/") ?? "";
  const caller = "3c2b1a09-8f7e-4d6c-b5a4-9382716f5e4d";
  return [
    {
      id: `evt-${resourceId.split("/").pop() ?? ""}`,
      topic: `/subscriptions/${SUB}`,
      subject: resourceId,
      eventType: "Microsoft.Resources.ResourceWriteSuccess",
      eventTime: "2026-11-22T10:00:00Z",
      dataVersion: "2",
      metadataVersion: "1",
      data: {
        authorization: { scope: resourceId, action: `${type}/write`, evidence: { role: "Contributor" } },
        claims: { "http://schemas.microsoft.com/identity/claims/objectidentifier": caller },
        correlationId: "c0ffee00-0000-4000-8000-000000000002",
        resourceProvider: type.split("/")[0],
        resourceUri: resourceId,
        operationName: `${type}/write`,
        status: "Succeeded",
        subscriptionId: SUB,
        tenantId: TENANT_ID,
      },
    },
  ];
}

const rg = `/subscriptions/${SUB}/resourceGroups/rg-app`;
const ACCOUNT_PRINCIPAL = "9a1b2c3d-0000-4000-8000-0000000000aa";
/** The principal the emulator's default credential presents: the service's own identity. */
const SERVICE_PRINCIPAL = "00000000-0000-0000-0000-0000000000e1";

function msManagedAccount(name: string): ArmResource {
  return {
    id: `${rg}/providers/Microsoft.CognitiveServices/accounts/${name}`,
    name,
    type: "Microsoft.CognitiveServices/accounts",
    kind: "OpenAI",
    location: LOCATION,
    sku: { name: "S0" },
    identity: { type: "SystemAssigned", principalId: ACCOUNT_PRINCIPAL, tenantId: TENANT_ID },
    properties: { provisioningState: "Succeeded", encryption: { keySource: "Microsoft.CognitiveServices" } },
  };
}

function platformKeyDisk(name: string): ArmResource {
  return {
    id: `${rg}/providers/Microsoft.Compute/disks/${name}`,
    name,
    type: "Microsoft.Compute/disks",
    location: LOCATION,
    properties: {
      diskSizeGB: 64,
      diskState: "Unattached",
      encryption: { type: "EncryptionAtRestWithPlatformKey" },
      provisioningState: "Succeeded",
    },
  };
}

function keyUriOf(h: ServiceHarness, id: string): string | undefined {
  const body = h.emulator.state.getResource(id)?.body ?? {};
  return (
    stringField(body, "properties", "activeKey", "keyUrl") ??
    stringField(body, "properties", "encryption", "keyVaultProperties", "keyIdentifier") ??
    stringField(body, "properties", "encryption", "keyVaultProperties", "keyVersion")
  );
}

describe("infra/roleActions.json holds exactly the RBAC actions the service performs", () => {
  const withoutEnforce = new ObservedActions();
  const withEnforce = new ObservedActions();

  beforeAll(async () => {
    // Rotation on an access-policy vault: every consumer type, through its long-running PATCH; then a
    // manual remediation of the key, which finds the consumers again and has nothing left to write.
    {
      const b = new SingleKeyTenant({ versions: twoVersions });
      const account = b.aiServicesAccount("aoai-rot", "OpenAI").id;
      const des = b.diskEncryptionSet("des-rot").id;
      const ml = b.mlWorkspace("mlw-rot").id;
      const h = await createServiceHarness(b.build(), storage(), withoutEnforce.recording);
      await deliver(h, keyEventDelivery(V2));
      for (const id of [account, des, ml]) expect(keyUriOf(h, id)).toMatch(new RegExp(`${V2}$`));
      await remediateKey(keyId(V2), h.runtime.ctx, { apply: true });
      withoutEnforce.add(h);
    }
    // Rotation on a vault that uses Azure RBAC: the preflight reads the consumer's role assignments.
    {
      const b = new SingleKeyTenant({ versions: twoVersions, vault: { rbac: true } });
      // On an RBAC vault the set's identity gets the Key Vault Crypto Service Encryption User role.
      const des = b.diskEncryptionSet("des-rbac").id;
      const h = await createServiceHarness(b.build(), storage(), withoutEnforce.recording);
      await deliver(h, keyEventDelivery(V2));
      expect(keyUriOf(h, des)).toBe(keyId(V2));
      expect(h.emulator.log.count({ url: /roleAssignments/ })).toBeGreaterThan(0);
      withoutEnforce.add(h);
    }
    // Rotation of a confidential VM disk encryption set, whose key only changes while every VM using it
    // is deallocated: the service lists the set's disks (`associatedResources`), reads each disk for its
    // VM (`managedBy`) and each VM's instance view (its power state) just before the write.
    {
      const b = new SingleKeyTenant({
        versions: twoVersions.map((v) => ({
          ...v,
          kty: "RSA-HSM" as const,
          exportable: true,
          releasePolicy: CVM_RELEASE_POLICY,
        })),
        vault: { sku: "premium" },
      });
      const at = { subscriptionId: SUB, resourceGroup: "rg-cvm" };
      const set = b.builder.diskEncryptionSet({
        ...at,
        name: "des-cvm",
        keyUrl: keyId(V1),
        sourceVaultId: b.vault.id,
        encryptionType: "ConfidentialVmEncryptedWithCustomerKey",
      });
      b.builder.grantKeyAccess(b.vault, set.principalId ?? "");
      const vm = b.builder.virtualMachine({ ...at, name: "cvm-1", powerState: "deallocated" });
      b.builder.disk({
        ...at,
        name: "cvm-1-os",
        osType: "Linux",
        encryption: "platform",
        managedBy: vm.id,
        securityProfile: {
          securityType: "ConfidentialVM_DiskEncryptedWithCustomerKey",
          secureVMDiskEncryptionSetId: set.id,
        },
      });
      const h = await createServiceHarness(b.build(), storage(), withoutEnforce.recording);
      await deliver(h, keyEventDelivery(V2));
      expect(keyUriOf(h, set.id)).toBe(keyId(V2));
      expect(h.emulator.log.count({ method: "GET", url: /\/des-cvm\/associatedResources/ })).toBeGreaterThan(
        0,
      );
      expect(h.emulator.log.count({ method: "GET", url: /\/disks\/cvm-1-os/ })).toBeGreaterThan(0);
      expect(h.emulator.log.count({ method: "GET", url: /\/cvm-1\/instanceView/ })).toBeGreaterThan(0);
      withoutEnforce.add(h);
    }
    // A consumer whose vault was deleted (by a person: that request is not the service's): the sweep
    // asks ARM for the soft-deleted vault, and the worker raises the urgent ticket with what it found.
    {
      const b = new SingleKeyTenant({ versions: twoVersions });
      const des = b.diskEncryptionSet("des-vault-gone").id;
      const h = await createServiceHarness(b.build(), storage(), withoutEnforce.recording);
      await new KeyVaultManagementClient(h.emulator.credential(), SUB, {
        httpClient: h.emulator.httpClient(),
      }).vaults.delete(SINGLE_KEY.vaultResourceGroup, SINGLE_KEY.vaultName);
      h.emulator.log.clear();
      await runSweep(h.runtime.ctx, { mode: "act" });
      await h.drain();
      expect(
        h.emulator.log.count({ method: "GET", url: /\/locations\/westeurope\/deletedVaults\/kv-cmk/i }),
      ).toBeGreaterThan(0);
      const tickets = await h.runtime.ctx.ledger.listTicketRequests();
      expect(tickets.map((t) => [t.resourceId, t.findingCode])).toContainEqual([des, "CmkVaultDeleted"]);
      withoutEnforce.add(h);
    }
    // Rotation on a Managed HSM key: the pool's ARM resource, its keys and its local RBAC role assignments.
    {
      const b = new TenantBuilder({ seed: "role-actions-hsm" });
      const sub = b.subscription(SUB, "prod");
      const hsm = b.managedHsm({ subscriptionId: sub, resourceGroup: "rg-keys", name: "hsm-roles" });
      const key = b.key(hsm, "cmk", twoVersions);
      const des = b.diskEncryptionSet({
        subscriptionId: sub,
        resourceGroup: "rg-des",
        name: "des-hsm",
        keyUrl: key.versionIds[0] ?? "",
      });
      b.hsmRoleAssignment(hsm, {
        principalId: des.principalId ?? "",
        role: "Managed HSM Crypto Service Encryption User",
        scope: "/keys/cmk",
      });
      b.hsmRoleAssignment(hsm, {
        principalId: SERVICE_PRINCIPAL,
        role: roleActions.managedHsmLocalRole.roleName as "Managed HSM Crypto Auditor",
        scope: roleActions.managedHsmLocalRole.scope,
      });
      const h = await createServiceHarness(b.build(), storage(), withoutEnforce.recording);
      await remediateKey(key.versionIds[1] ?? "", h.runtime.ctx, { apply: true });
      await h.drain();
      expect(keyUriOf(h, des.id)).toBe(key.versionIds[1]);
      expect(h.emulator.log.count({ url: /managedhsm\.azure\.net\/.*roleAssignments/ })).toBeGreaterThan(0);
      withoutEnforce.add(h);
    }
    // Detection in ticket mode: reads only, except turning on a disk encryption set's auto-rotation.
    // A workspace without a customer-managed key gets its re-creation kit: every list of what it holds.
    {
      const b = new SingleKeyTenant({ versions: twoVersions });
      const des = b.diskEncryptionSet("des-manual").id;
      const ws = b.builder.mlWorkspace({ subscriptionId: SUB, resourceGroup: "rg-ml", name: "mlw-no-cmk" });
      b.builder.mlEndpoint(ws, { name: "online", kind: "online" });
      b.builder.mlEndpoint(ws, { name: "batch", kind: "batch" });
      const t = b.build();
      const account = msManagedAccount("aoai-mmk");
      const disk = platformKeyDisk("disk-pmk");
      t.resources.push(account, disk);
      const h = await createServiceHarness(t, storage(), {
        env: { CMKR_DES_AUTO_ROTATION: "enable" },
        ...withoutEnforce.recording,
      });
      for (const id of [account.id, disk.id, des, b.vault.id, ws.id]) await deliver(h, writeEvent(id));
      expect([...new Set(h.workerActions.map((a) => a.resourceId))].toSorted()).toEqual(
        [account.id, disk.id, des, b.vault.id, ws.id].toSorted(),
      );
      expect(h.emulator.log.count({ url: /\/onlineEndpoints\/online\/deployments/ })).toBe(1);
      expect(h.emulator.state.getResource(des)?.body.properties).toMatchObject({
        rotationToLatestKeyVersionEnabled: true,
      });
      expect(h.emulator.log.count({ method: "PATCH", url: /disk-pmk/ })).toBe(0);
      withoutEnforce.add(h);
    }
    // The periodic sweep: one paged Resource Graph walk of the in-scope types, then the same jobs.
    {
      const b = new SingleKeyTenant({ versions: twoVersions });
      b.diskEncryptionSet("des-sweep");
      b.mlWorkspace("mlw-sweep");
      const t = b.build();
      t.resources.push(msManagedAccount("aoai-sweep"), platformKeyDisk("disk-sweep"));
      const h = await createServiceHarness(t, storage(), withoutEnforce.recording);
      const result = await runSweep(h.runtime.ctx, { mode: "act" });
      expect(result.resourcesSeen).toBeGreaterThanOrEqual(4);
      await h.drain();
      expect(h.workerActions.length).toBeGreaterThan(0);
      withoutEnforce.add(h);
    }
    // Scope by management group (what the template configures with the role): the service lists the
    // group's subscriptions through Resource Graph before acting.
    {
      const b = new SingleKeyTenant({ versions: twoVersions });
      const des = b.diskEncryptionSet("des-mg").id;
      const t = b.build();
      for (const s of t.subscriptions) s.managementGroupId = "mg-prod";
      const h = await createServiceHarness(t, storage(), {
        env: { CMKR_SCOPE_MANAGEMENT_GROUPS: "mg-prod" },
        ...withoutEnforce.recording,
      });
      await deliver(h, writeEvent(des));
      expect(keyUriOf(h, des)).toBe(keyId(V2));
      expect(withoutEnforce.graphQueries.some((q) => /^\s*resourcecontainers/i.test(q))).toBe(true);
      withoutEnforce.add(h);
    }
    // Enforce mode: the disk gets the regional disk encryption set, the account its CMK.
    {
      const b = new SingleKeyTenant({ versions: twoVersions });
      const desId = b.diskEncryptionSet("des-enforce").id;
      b.builder.grantKeyAccess(b.vault, ACCOUNT_PRINCIPAL);
      const t = b.build();
      const account = msManagedAccount("aoai-enforce");
      const disk = platformKeyDisk("disk-enforce");
      t.resources.push(account, disk);
      const h = await createServiceHarness(t, storage(), {
        ...withEnforce.recording,
        env: {
          CMKR_DISK_MODE: "enforce",
          CMKR_ENFORCE_DISK_ENCRYPTION_SETS: `${LOCATION}=${desId}`,
          CMKR_AI_SERVICES_MODE: "enforce",
          CMKR_ENFORCE_KEYS: `${LOCATION}=${keyId(V2)}`,
        },
      });
      for (const id of [account.id, disk.id]) await deliver(h, writeEvent(id));
      expect(h.emulator.state.getResource(disk.id)?.body.properties).toMatchObject({
        encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: desId },
      });
      expect(keyUriOf(h, account.id)).toBe(V2);
      withEnforce.add(h);
    }
    // Enforce mode on a vault that uses Azure RBAC: attaching the set and turning on its automatic
    // rotation prove the set's key first, which reads the set's role assignments on the vault.
    {
      const b = new SingleKeyTenant({ versions: twoVersions, vault: { rbac: true } });
      const desId = b.diskEncryptionSet("des-enforce-rbac", { version: V2 }).id;
      const t = b.build();
      const disk = platformKeyDisk("disk-enforce-rbac");
      t.resources.push(disk);
      const h = await createServiceHarness(t, storage(), {
        ...withEnforce.recording,
        env: {
          CMKR_DISK_MODE: "enforce",
          CMKR_ENFORCE_DISK_ENCRYPTION_SETS: `${LOCATION}=${desId}`,
          CMKR_DES_AUTO_ROTATION: "enable",
        },
      });
      await deliver(h, writeEvent(disk.id));
      expect(h.emulator.state.getResource(disk.id)?.body.properties).toMatchObject({
        encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: desId },
      });
      const roleReadsForAttach = h.emulator.log.count({ url: /roleAssignments/ });
      expect(roleReadsForAttach).toBeGreaterThan(0);
      await deliver(h, writeEvent(desId));
      expect(h.emulator.state.getResource(desId)?.body.properties).toMatchObject({
        rotationToLatestKeyVersionEnabled: true,
      });
      expect(h.emulator.log.count({ url: /roleAssignments/ })).toBeGreaterThan(roleReadsForAttach);
      withEnforce.add(h);
    }
  });

  it("every role action has a reason for docs/deployment.md, and every reason an action", () => {
    const all = [...roleActions.actions, ...roleActions.enforceActions, ...roleActions.dataActions];
    expect(Object.keys(roleActions.reasons).toSorted()).toEqual(all.toSorted());
    expect(new Set(lower(all)).size).toBe(all.length);
  });

  it("without enforce mode the service performs exactly `actions` and `dataActions`", () => {
    expect(sorted(withoutEnforce.actions)).toEqual(lower(roleActions.actions));
    expect(sorted(withoutEnforce.dataActions)).toEqual(lower(roleActions.dataActions));
  });

  it("on a Managed HSM pool the service needs exactly the local role's data actions", () => {
    expect(sorted(withoutEnforce.hsmLocalActions)).toEqual(
      lower(roleActions.managedHsmLocalRole.dataActions),
    );
    expect(withEnforce.hsmLocalActions.size).toBe(0);
  });

  it("enforce mode adds exactly `enforceActions`", () => {
    const base = new Set(lower(roleActions.actions));
    const extra = sorted(withEnforce.actions).filter((a) => !base.has(a));
    expect(extra).toEqual(lower(roleActions.enforceActions));
    expect(sorted(withEnforce.dataActions)).toEqual(lower(roleActions.dataActions));
  });

  it("maps requests the way Azure authorizes them (and refuses to guess the rest)", () => {
    const entry = (method: string, url: string): RequestLogEntry => ({
      seq: 1,
      method,
      url,
      status: 200,
      startedAt: 0,
      durationMs: 0,
      principal: "p",
      fault: false,
      throttled: false,
    });
    const arm = "https://management.azure.com";
    const des = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/d`;
    expect(rbacActionOf(entry("PATCH", `${arm}${des}?api-version=2024-03-02`))).toEqual({
      action: "Microsoft.Compute/diskEncryptionSets/write",
      data: false,
    });
    expect(
      rbacActionOf(entry("GET", `${arm}${des}/providers/Microsoft.Authorization/roleAssignments`)),
    ).toEqual({ action: "Microsoft.Authorization/roleAssignments/read", data: false });
    expect(
      rbacActionOf(
        entry(
          "GET",
          `${arm}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope/operationStatuses/x`,
        ),
      ),
    ).toEqual({ action: "Microsoft.Compute/locations/*/read", data: false });
    expect(rbacActionOf(entry("GET", "https://kv-cmk.vault.azure.net/keys/cmk/versions"))).toEqual({
      action: "Microsoft.KeyVault/vaults/keys/read",
      data: true,
    });
    expect(() => rbacActionOf(entry("POST", "https://kv-cmk.vault.azure.net/keys/cmk/create"))).toThrow(
      /no RBAC mapping/,
    );
    expect(() => rbacActionOf(entry("POST", `${arm}${des}`))).toThrow(/no RBAC mapping/);
    // The views beside a resource, and the deleted vault, as Microsoft publishes their actions.
    const vm = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm`;
    expect(rbacActionOf(entry("GET", `${arm}${vm}/instanceView?api-version=2024-07-01`))).toEqual({
      action: "Microsoft.Compute/virtualMachines/instanceView/read",
      data: false,
    });
    expect(rbacActionOf(entry("GET", `${arm}${des}/associatedResources?api-version=2025-01-02`))).toEqual({
      action: "Microsoft.Compute/diskEncryptionSets/read",
      data: false,
    });
    const deletedVault = `/subscriptions/${SUB}/providers/Microsoft.KeyVault/locations/westeurope/deletedVaults/kv-cmk`;
    expect(rbacActionOf(entry("GET", `${arm}${deletedVault}?api-version=2024-11-01`))).toEqual({
      action: "Microsoft.KeyVault/locations/deletedVaults/read",
      data: false,
    });
    // Not guessed: purging a deleted vault, another view of a Compute resource, another resource
    // under a provider's locations, and a deleted key (no Key Vault data action names it).
    expect(() => rbacActionOf(entry("DELETE", `${arm}${deletedVault}`))).toThrow(/no RBAC mapping/);
    expect(() => rbacActionOf(entry("GET", `${arm}${vm}/vmSizes`))).toThrow(/no RBAC mapping/);
    expect(() =>
      rbacActionOf(
        entry(
          "GET",
          `${arm}/subscriptions/${SUB}/providers/Microsoft.Compute/locations/westeurope/diskOperations/x`,
        ),
      ),
    ).toThrow(/no RBAC mapping/);
    expect(() => rbacActionOf(entry("GET", "https://kv-cmk.vault.azure.net/deletedkeys/cmk"))).toThrow(
      /no RBAC mapping/,
    );
    expect(
      graphVisibilityActions(
        "resourcecontainers | where type =~ 'microsoft.resources/subscriptions' | project subscriptionId",
      ),
    ).toEqual(["Microsoft.Resources/subscriptions/read"]);
    expect(
      graphVisibilityActions(
        "resources\n| where type in~ ('microsoft.compute/disks', 'microsoft.keyvault/vaults')",
      ),
    ).toEqual(["microsoft.compute/disks/read", "microsoft.keyvault/vaults/read"]);
    expect(() => graphVisibilityActions("resources | project id")).toThrow(/cannot tell/);
  });
});
