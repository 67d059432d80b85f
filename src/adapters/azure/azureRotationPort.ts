import { RestError } from "@azure/core-rest-pipeline";
import type { KeyVaultKey } from "@azure/keyvault-keys";
import {
  PreconditionFailedError,
  type ConsumerRow,
  type KeyVersionSummary,
  type RotationPort,
  type VersionedResource,
} from "../../core/ports/rotationPort.js";
import {
  consumersOfKeyQuery,
  consumersOfVaultQuery,
  managedHsmByUriQuery,
  vaultByUriQuery,
} from "../../core/queries/consumersQuery.js";
import { isManagedHsm } from "../../core/keyStores/keyStoreState.js";
import { managedHsmFactsFromArm } from "../../core/keyStores/managedHsmFactsFromArm.js";
import { createManagedHsmRoleAssignmentReader } from "./managedHsmRoleAssignments.js";
import type {
  DeletedKeyFacts,
  DeletedVaultFacts,
  KeyVersionFacts,
  RoleAssignmentFacts,
  VaultFacts,
} from "../../core/keyStores/keyFacts.js";
import { roleAssignmentFactsFromArm } from "../../core/keyStores/roleAssignmentFactsFromArm.js";
import { vaultFactsFromArm } from "../../core/keyStores/vaultFactsFromArm.js";
import type { ArmResourceJson } from "../../core/arm/armResource.js";
import { apiVersionFor } from "../../core/consumers/apiVersions.js";
import type { AzureClients } from "./azureClients.js";
import { parseResourceId } from "../../core/ids/resourceId.js";
import type { GraphScope } from "../../core/ports/graphScope.js";
import { resourceGraphPage, resourceGraphPages } from "./resourceGraphPages.js";
import { createMlWorkspaceReads } from "./azureMlWorkspaceReads.js";
import { patchAndAwait } from "./armPatchOperation.js";
import { rawPageItems } from "./rawPageItems.js";

function requiredApiVersion(resourceType: string): string {
  const version = apiVersionFor(resourceType);
  if (version === undefined) throw new Error(`no api-version is configured for ${resourceType}`);
  return version;
}

const vaultApiVersion = requiredApiVersion("Microsoft.KeyVault/vaults");
const managedHsmApiVersion = requiredApiVersion("Microsoft.KeyVault/managedHSMs");

/** True when an ARM id names a Managed HSM pool rather than a vault. */
function isManagedHsmId(id: string): boolean {
  return /\/providers\/microsoft\.keyvault\/managedhsms\/[^/]+\/?$/i.test(id);
}

function isNotFound(error: unknown): boolean {
  return error instanceof RestError && error.statusCode === 404;
}

/** RSA key size in bits from the modulus (a leading zero byte is sign padding, not key). */
function rsaKeySize(key: KeyVaultKey): number | undefined {
  const n = key.key?.n;
  if (n === undefined || n.length === 0) return undefined;
  const bytes = n[0] === 0 ? n.length - 1 : n.length;
  return bytes * 8;
}

/** Options of the Azure adapter. */
export interface AzureRotationPortOptions {
  /** Poll interval of long-running operations when Azure sends no Retry-After. */
  lroPollIntervalMs: number;
  /** Resource Graph page size. */
  pageSize?: number;
  /**
   * How long vault facts are reused across jobs. A key event fans out to many consumers of one
   * vault; re-reading the vault for each would spend the subscription's ARM read budget on the
   * same answer. Purge protection cannot be turned off, and Azure itself checks access on write.
   */
  vaultCacheMs?: number;
  now?: () => number;
}

/** {@link RotationPort} over the Azure SDK clients. */
export function createAzureRotationPort(
  clients: AzureClients,
  options: AzureRotationPortOptions,
): RotationPort {
  const subscriptionOf = (id: string): string => parseResourceId(id).subscriptionId;
  const now = options.now ?? Date.now;
  const vaultCache = new Map<string, { at: number; facts: Promise<VaultFacts | undefined> }>();
  const hsmRoleAssignments = createManagedHsmRoleAssignmentReader(clients.options);

  /**
   * GET through the generic client, keeping the response body itself: the SDK's `GenericResource`
   * model drops top-level fields it does not declare (`etag`, `managedByExtended`, `systemData`),
   * and rules must see ARM JSON exactly as GET returns it.
   */
  async function readVersioned(resourceId: string): Promise<VersionedResource | undefined> {
    const parsed = parseResourceId(resourceId);
    const apiVersion = requiredApiVersion(parsed.type);
    const client = await clients.resources(parsed.subscriptionId);
    let raw: { body: unknown; etag: string | undefined } | undefined;
    try {
      const model = await client.resources.getById(resourceId, apiVersion, {
        onResponse: (response) => {
          raw = { body: response.parsedBody, etag: response.headers.get("etag") };
        },
      });
      const body = (raw?.body ?? model) as ArmResourceJson;
      // ARM RPC: "ETags may be returned for individual resources" in the ETag header or the body's etag.
      const etag = raw?.etag ?? (typeof body.etag === "string" ? body.etag : undefined);
      return { resource: body, ...(etag === undefined ? {} : { etag }) };
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async function readResource(resourceId: string): Promise<ArmResourceJson | undefined> {
    return (await readVersioned(resourceId))?.resource;
  }

  /**
   * The vault or Managed HSM pool behind a key URL. A Managed HSM is `Microsoft.KeyVault/managedHSMs`,
   * found by `properties.hsmUri` (a hint that names a vault is ignored for an HSM URL, and the
   * reverse). Read with its own api-version and mapped to the same facts.
   */
  async function readVaultFresh(vaultUrl: string, armId?: string): Promise<VaultFacts | undefined> {
    const hsm = isManagedHsm(vaultUrl);
    let id = armId !== undefined && isManagedHsmId(armId) === hsm ? armId : undefined;
    if (id === undefined) {
      for await (const page of resourceGraphPages<{ id: string }>(
        clients,
        hsm ? managedHsmByUriQuery(vaultUrl) : vaultByUriQuery(vaultUrl),
        {},
        10,
      )) {
        id = page.rows[0]?.id;
        break;
      }
    }
    if (id === undefined) return undefined;
    const client = await clients.resources(subscriptionOf(id));
    try {
      if (hsm) return managedHsmFactsFromArm(await client.resources.getById(id, managedHsmApiVersion));
      const vault = await client.resources.getById(id, vaultApiVersion);
      return vaultFactsFromArm(vault);
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /**
   * Applies an ARM merge patch (wire shape), waiting for the long-running operation; returns the
   * resource as the operation's final result, so the caller verifies without another read.
   */
  async function patchResource(
    resourceId: string,
    patch: Record<string, unknown>,
    conditions: { ifMatch?: string | undefined } = {},
  ): Promise<ArmResourceJson | undefined> {
    const parsed = parseResourceId(resourceId);
    const apiVersion = apiVersionFor(parsed.type);
    if (apiVersion === undefined) throw new Error(`the service does not write ${parsed.type}`);
    // The generic client's pipeline (auth, retries honouring Retry-After, the ARM pacer) sends the
    // wire-shape patch as is for every type.
    const client = await clients.resources(parsed.subscriptionId);
    try {
      return await patchAndAwait((request) => client.sendRequest(request), {
        endpoint: clients.options.endpoint ?? "https://management.azure.com",
        resourceId,
        apiVersion,
        patch,
        ifMatch: conditions.ifMatch,
        pollIntervalMs: options.lroPollIntervalMs,
      });
    } catch (error) {
      if (error instanceof RestError && error.statusCode === 412)
        throw new PreconditionFailedError(resourceId);
      throw error;
    }
  }

  return {
    ...createMlWorkspaceReads(clients),

    async *findConsumers(
      key: { vaultUrl: string; keyName: string },
      scope: GraphScope,
    ): AsyncIterable<ConsumerRow[]> {
      for await (const page of resourceGraphPages<ConsumerRow>(
        clients,
        consumersOfKeyQuery(key),
        scope,
        options.pageSize,
      )) {
        yield page.rows.map((r) => ({ id: r.id, type: r.type, subscriptionId: r.subscriptionId }));
      }
    },

    async findConsumersPage(key, scope, skipToken) {
      const page = await resourceGraphPage(
        clients,
        consumersOfKeyQuery(key),
        scope,
        options.pageSize,
        skipToken,
      );
      return {
        // Resource Graph's JSON: the planner checks each row's fields before use (`consumerRows`).
        rows: page.rows.map(
          (r) => ({ id: r.id, type: r.type, subscriptionId: r.subscriptionId }) as ConsumerRow,
        ),
        skipToken: page.skipToken,
      };
    },

    readResource,

    async listKeyVersions(vaultUrl: string, keyName: string): Promise<KeyVersionSummary[] | undefined> {
      const client = await clients.keys(vaultUrl);
      const out: KeyVersionSummary[] = [];
      try {
        for await (const p of client.listPropertiesOfKeyVersions(keyName)) {
          if (p.id === undefined || p.version === undefined || p.createdOn === undefined) continue;
          out.push({
            keyId: p.id,
            version: p.version,
            enabled: p.enabled === true,
            createdOn: p.createdOn,
            notBefore: p.notBefore,
            expiresOn: p.expiresOn,
          });
        }
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      return out.length === 0 ? undefined : out;
    },

    async getKeyVersion(
      vaultUrl: string,
      keyName: string,
      version: string,
    ): Promise<KeyVersionFacts | undefined> {
      const client = await clients.keys(vaultUrl);
      let key: KeyVaultKey;
      try {
        key = await client.getKey(keyName, { version });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      const p = key.properties;
      return {
        keyId: key.id ?? `${vaultUrl}/keys/${keyName}/${version}`,
        vaultUrl,
        keyName,
        version: p.version ?? version,
        kty: key.keyType ?? key.key?.kty ?? "unknown",
        keySize: rsaKeySize(key),
        curve: key.key?.crv,
        enabled: p.enabled === true,
        createdOn: p.createdOn ?? new Date(0),
        notBefore: p.notBefore,
        expiresOn: p.expiresOn,
        keyOps: key.keyOperations ?? [],
        exportable: p.exportable,
        releasePolicy:
          p.releasePolicy?.encodedPolicy === undefined
            ? undefined
            : Buffer.from(p.releasePolicy.encodedPolicy).toString("utf8"),
      };
    },

    readVault(vaultUrl: string, armId?: string): Promise<VaultFacts | undefined> {
      const key = vaultUrl.toLowerCase();
      const cached = vaultCache.get(key);
      if (cached !== undefined && now() - cached.at < (options.vaultCacheMs ?? 30_000)) return cached.facts;
      const facts = readVaultFresh(vaultUrl, armId);
      vaultCache.set(key, { at: now(), facts });
      facts.catch(() => vaultCache.delete(key));
      return facts;
    },

    async getDeletedKey(vaultUrl: string, keyName: string): Promise<DeletedKeyFacts | undefined> {
      const client = await clients.keys(vaultUrl);
      try {
        const deleted = await client.getDeletedKey(keyName);
        return {
          vaultUrl,
          keyName: deleted.name,
          recoveryId: deleted.properties.recoveryId,
          deletedOn: deleted.properties.deletedOn,
          scheduledPurgeDate: deleted.properties.scheduledPurgeDate,
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async readDeletedVault(
      subscriptionId: string,
      location: string,
      vaultName: string,
    ): Promise<DeletedVaultFacts | undefined> {
      const client = await clients.keyVaultManagement(subscriptionId);
      try {
        const deleted = await client.vaults.getDeleted(vaultName, location);
        const p = deleted.properties;
        return {
          id:
            deleted.id ??
            `/subscriptions/${subscriptionId}/providers/Microsoft.KeyVault/locations/${location}/deletedVaults/${vaultName}`,
          name: deleted.name ?? vaultName,
          vaultId: p?.vaultId,
          location: p?.location ?? location,
          deletionDate: p?.deletionDate,
          scheduledPurgeDate: p?.scheduledPurgeDate,
          purgeProtectionEnabled: p?.purgeProtectionEnabled === true,
        };
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async listRoleAssignments(scope: string, principalId?: string): Promise<RoleAssignmentFacts[]> {
      const client = await clients.authorization(subscriptionOf(scope));
      const out: RoleAssignmentFacts[] = [];
      for await (const a of client.roleAssignments.listForScope(
        scope,
        principalId === undefined ? {} : { filter: `principalId eq '${principalId.replace(/'/g, "''")}'` },
      )) {
        out.push(
          roleAssignmentFactsFromArm({
            id: a.id,
            name: a.name,
            type: a.type,
            properties: { scope: a.scope, principalId: a.principalId, roleDefinitionId: a.roleDefinitionId },
          }),
        );
      }
      return out;
    },

    listHsmRoleAssignments(hsmUrl: string, keyName: string): Promise<RoleAssignmentFacts[]> {
      return hsmRoleAssignments.forKey(hsmUrl, keyName);
    },

    readVersioned,

    patchResource,

    async listAssociatedResources(setId: string): Promise<string[] | undefined> {
      const parsed = parseResourceId(setId);
      const client = await clients.compute(parsed.subscriptionId);
      const ids: string[] = [];
      try {
        for await (const id of client.diskEncryptionSets.listAssociatedResources(
          parsed.resourceGroup ?? "",
          parsed.name,
        ))
          ids.push(id);
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      return ids;
    },

    async readPowerState(vmId: string): Promise<string | undefined> {
      const parsed = parseResourceId(vmId);
      const client = await clients.compute(parsed.subscriptionId);
      try {
        const view = await client.virtualMachines.instanceView(parsed.resourceGroup ?? "", parsed.name);
        // ComputeRP instance view: `statuses[].code` is `PowerState/{state}` (states-billing.md).
        const code = view.statuses?.find((s) => s.code?.toLowerCase().startsWith("powerstate/"))?.code;
        return code === undefined ? "unknown" : code.slice("powerstate/".length).toLowerCase();
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },

    async listSnapshots(subscriptionId: string): Promise<ArmResourceJson[]> {
      const client = await clients.compute(subscriptionId);
      // Listed through ARM itself (not Resource Graph, which may not show a snapshot taken a minute
      // ago). The page's text, not `parsedBody`: the Compute client deserializes into its `Snapshot`
      // model, which flattens `properties` (`incremental`, `creationData`, `encryption` at the top),
      // and the attach proof reads ARM JSON; it then saw no incremental snapshot at all.
      const out: ArmResourceJson[] = [];
      const pages = client.snapshots.list({
        onResponse: (response) => {
          const value = rawPageItems(response.bodyAsText);
          if (value !== undefined) out.push(...value);
        },
      });
      for await (const _snapshot of pages) {
        // Drained for the pages' raw bodies.
      }
      return out;
    },

    async vaultHoldsCustomerKeys(vaultUrl: string, scope: GraphScope): Promise<boolean> {
      for await (const page of resourceGraphPages(clients, consumersOfVaultQuery(vaultUrl), scope, 1)) {
        return page.rows.length > 0;
      }
      return false;
    },

    async *queryResources(query: string, scope: GraphScope): AsyncIterable<Record<string, unknown>[]> {
      for await (const page of resourceGraphPages(clients, query, scope, options.pageSize)) yield page.rows;
    },
  };
}
