import { stringField, type ArmResourceJson } from "../../../arm/armResource.js";
import { tryParseResourceId } from "../../../ids/resourceId.js";
import type { ConsumerFacts, RoleAssignmentFacts, VaultFacts } from "../../../keyStores/keyFacts.js";
import { KEY_USE_ROLES } from "../../../keyStores/keyVaultRoles.js";
import { preflight } from "../../../preflight/preflight.js";
import type { KeyCandidate } from "./mlRecreationFacts.js";

/*
 * Rules for the key of a NEW workspace (docs/restrictions.md §5):
 * - MlKeyVaultSubscriptionMismatch (S24): "The key vault that contains your customer-managed key must be
 *   in the same Azure subscription as the Azure Machine Learning workspace."
 * - MlHubKeyVaultRegionTenant (S20): for hubs, "Store CMKs in Azure Key Vault (same region & tenant)". No
 *   region rule was found for classic workspaces; the kit asks the same of them, which is never wrong.
 * - MlKeyVaultChanged (S23, S24): after creation the key can only move to another key of the SAME vault,
 *   so the vault chosen now is the workspace's vault for good: the kit prefers keys that pass without
 *   warnings, then larger keys (S24 recommends 3072 bits).
 * - Everything else (soft delete, purge protection, key enabled and not expiring, RSA, wrapKey and
 *   unwrapKey, firewall letting trusted services in) is the preflight proof every rotation runs.
 *
 * The new workspace has no identity yet, so its access cannot be read. The template creates a
 * user-assigned identity and grants it exactly what the proof requires (an access policy with get,
 * wrapKey and unwrapKey, or the Key Vault Crypto Service Encryption User role on an RBAC vault) before
 * the workspace is created; the proof is run with that planned identity holding that planned grant,
 * so it proves everything except the grant itself, which the deployment makes (or fails on).
 */

/** The principal id standing for the identity the template creates. */
export const PLANNED_IDENTITY = "00000000-0000-0000-0000-00000000c0de";

const CRYPTO_SERVICE_ENCRYPTION_USER = KEY_USE_ROLES[0]?.id ?? "e147488a-f6f5-4113-8e2d-b22465e65bf6";

/** A key the service considered, and what it found. */
export interface KeyVerdict {
  readonly vaultId: string;
  readonly vaultUri?: string;
  readonly keyName?: string;
  /** The versioned key identifier the template names. */
  readonly keyId?: string;
  readonly keySize?: number;
  readonly usesRbac?: boolean;
  readonly ok: boolean;
  /** Preflight reasons and the new-workspace rules, errors and warnings. */
  readonly reasons: readonly {
    readonly code: string;
    readonly severity: "error" | "warning";
    readonly message: string;
  }[];
}

/** The outcome of the choice: the key chosen (if any) and every key considered. */
export interface KeyChoice {
  readonly chosen?: KeyVerdict | undefined;
  readonly considered: readonly KeyVerdict[];
}

function normalizeLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, "");
}

function workspaceTenant(ws: ArmResourceJson): string | undefined {
  return stringField(ws, "identity", "tenantId") ?? stringField(ws, "properties", "tenantId");
}

/** The vault as it will be once the template granted the planned identity access. */
function withPlannedGrant(
  vault: VaultFacts,
  tenantId: string,
): {
  vault: VaultFacts;
  roles: RoleAssignmentFacts[];
} {
  if (vault.enableRbacAuthorization) {
    return {
      vault,
      roles: [
        {
          scope: vault.armId,
          principalId: PLANNED_IDENTITY,
          roleDefinitionId: `/providers/Microsoft.Authorization/roleDefinitions/${CRYPTO_SERVICE_ENCRYPTION_USER}`,
        },
      ],
    };
  }
  return {
    vault: {
      ...vault,
      accessPolicies: [
        ...vault.accessPolicies,
        { tenantId, objectId: PLANNED_IDENTITY, keyPermissions: ["get", "wrapKey", "unwrapKey"] },
      ],
    },
    roles: [],
  };
}

function newWorkspaceRules(workspace: ArmResourceJson, vault: VaultFacts): KeyVerdict["reasons"][number][] {
  const out: KeyVerdict["reasons"][number][] = [];
  const ws = tryParseResourceId(workspace.id);
  const kv = tryParseResourceId(vault.armId);
  if (
    ws !== undefined &&
    kv !== undefined &&
    ws.subscriptionId.toLowerCase() !== kv.subscriptionId.toLowerCase()
  ) {
    out.push({
      code: "MlKeyVaultSubscriptionMismatch",
      severity: "error",
      message: `Vault ${vault.armId} is in subscription ${kv.subscriptionId}; the workspace's key vault must be in its subscription ${ws.subscriptionId}.`,
    });
  }
  const location = workspace.location ?? "";
  if (normalizeLocation(vault.location) !== normalizeLocation(location)) {
    out.push({
      code: "MlKeyVaultRegionMismatch",
      severity: "error",
      message: `Vault ${vault.armId} is in ${vault.location}; the key vault must be in the workspace's region ${location}.`,
    });
  }
  const tenant = workspaceTenant(workspace);
  if (tenant !== undefined && tenant.toLowerCase() !== vault.tenantId.toLowerCase()) {
    out.push({
      code: "MlKeyVaultTenantMismatch",
      severity: "error",
      message: `Vault ${vault.armId} belongs to tenant ${vault.tenantId}, the workspace to ${tenant}.`,
    });
  }
  return out;
}

function judge(
  workspace: ArmResourceJson,
  candidate: KeyCandidate,
  now: Date,
  expiryMarginDays: number,
): KeyVerdict {
  if (!candidate.readable) {
    return {
      vaultId: candidate.vaultId,
      ...(candidate.keyName === undefined ? {} : { keyName: candidate.keyName }),
      ok: false,
      reasons: [{ code: "Unreadable", severity: "error", message: candidate.reason }],
    };
  }
  const { vault, key } = candidate;
  const tenantId = workspaceTenant(workspace) ?? vault.tenantId;
  const planned = withPlannedGrant(vault, tenantId);
  const consumer: ConsumerFacts = {
    resourceId: workspace.id,
    consumerType: "mlWorkspace",
    location: workspace.location ?? vault.location,
    tenantId,
    identity: { principalId: PLANNED_IDENTITY, kind: "UserAssigned" },
    hasSystemAssignedIdentity: true,
  };
  const proof = preflight({
    consumer,
    key,
    vault: planned.vault,
    roleAssignments: planned.roles,
    now,
    expiryMarginDays,
  });
  const reasons = [...newWorkspaceRules(workspace, vault), ...proof.reasons];
  return {
    vaultId: vault.armId,
    vaultUri: vault.vaultUri,
    keyName: key.keyName,
    keyId: key.keyId,
    ...(key.keySize === undefined ? {} : { keySize: key.keySize }),
    usesRbac: vault.enableRbacAuthorization,
    ok: reasons.every((r) => r.severity !== "error"),
    reasons,
  };
}

function rank(a: KeyVerdict, b: KeyVerdict): number {
  const warnings = (v: KeyVerdict) => v.reasons.filter((r) => r.severity === "warning").length;
  return (
    warnings(a) - warnings(b) ||
    (b.keySize ?? 0) - (a.keySize ?? 0) ||
    a.vaultId.toLowerCase().localeCompare(b.vaultId.toLowerCase()) ||
    (a.keyName ?? "").localeCompare(b.keyName ?? "")
  );
}

/**
 * Chooses the key of the replacement workspace among the candidates: only keys that pass the
 * preflight proof (with the planned identity and grant) and the new-workspace rules; among them the
 * one with fewest warnings, then the largest, then by vault id and key name (so the same candidates
 * always give the same choice). Pure.
 */
export function chooseMlKey(
  workspace: ArmResourceJson,
  candidates: readonly KeyCandidate[],
  now: Date,
  expiryMarginDays: number,
): KeyChoice {
  const considered = candidates.map((c) => judge(workspace, c, now, expiryMarginDays));
  const chosen = considered.filter((v) => v.ok).sort(rank)[0];
  return { ...(chosen === undefined ? {} : { chosen }), considered };
}
