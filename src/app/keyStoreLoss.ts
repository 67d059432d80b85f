import { stringField, type ArmResourceJson } from "../core/arm/armResource.js";
import type { ConsumerRule } from "../core/consumers/consumerRule.js";
import { exclusionHint } from "../core/findings/cmkConsumerChecks.js";
import type { DetectionSettings } from "../core/findings/detectionSettings.js";
import type { Finding } from "../core/findings/finding.js";
import { keyDeletedFinding, vaultDeletedFinding } from "../core/findings/keyStoreFindings.js";
import type { KeyRef } from "../core/ids/keyId.js";
import { keyStoreStateOf, type KeyStoreState } from "../core/keyStores/keyStoreState.js";
import type { RotationPort } from "../core/ports/rotationPort.js";
import {
  factKey,
  followUpFacts,
  keyStoreReads,
  PageFacts,
  type FactOutcome,
} from "../core/sweep/pageFacts.js";
import { factError, readFact } from "./sweepFactLoader.js";

/** A key or vault that is gone, as `keyStoreStateOf` says it. */
export type KeyStoreLoss = Extract<KeyStoreState, { kind: "key-deleted" | "vault-deleted" }>;

async function settle(read: () => Promise<unknown>): Promise<FactOutcome> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error: factError(error) };
  }
}

/**
 * Whether the key a consumer uses, or its vault, is gone, once listing the key's versions found
 * none or failed (a deleted vault's host no longer resolves, so its data plane fails before
 * anything says "deleted"). Reads the vault (with the ARM id the consumer records), then the
 * deleted key or vault, and judges them as the sweep does. Undefined when neither is gone: the
 * caller goes on as before (a failed read is retried).
 */
export async function keyStoreLoss(
  port: RotationPort,
  resource: ArmResourceJson,
  key: KeyRef,
  versions: FactOutcome,
): Promise<KeyStoreLoss | undefined> {
  const outcomes = new Map<string, FactOutcome>();
  const armId =
    stringField(resource, "properties", "activeKey", "sourceVault", "id") ??
    stringField(resource, "properties", "encryption", "keyVaultProperties", "keyVaultArmId");
  outcomes.set(
    factKey({ kind: "vault", vaultUrl: key.vaultUrl }),
    await settle(() => port.readVault(key.vaultUrl, armId)),
  );
  outcomes.set(factKey({ kind: "keyVersions", vaultUrl: key.vaultUrl, keyName: key.keyName }), versions);
  for (const request of followUpFacts(resource, new PageFacts(outcomes)))
    outcomes.set(factKey(request), await settle(() => readFact(port, {}, request)));
  const state = keyStoreStateOf(key, keyStoreReads(resource, key, new PageFacts(outcomes)));
  return state.kind === "key-deleted" || state.kind === "vault-deleted" ? state : undefined;
}

/** The urgent finding (`CmkKeyDeleted` or `CmkVaultDeleted`) a loss is ticketed as, worded as detection words it. */
export function keyStoreLossFinding(
  resource: ArmResourceJson,
  rule: ConsumerRule,
  key: KeyRef,
  loss: KeyStoreLoss,
  detection: DetectionSettings | undefined,
): Finding {
  const subject = { resource, label: rule.displayName, key, keyLossConsequence: rule.keyLossConsequence };
  const hint =
    detection === undefined
      ? "To stop the service acting on this resource, tag it with the service's exclusion tag."
      : exclusionHint(detection);
  return loss.kind === "key-deleted"
    ? keyDeletedFinding(subject, loss, hint)
    : vaultDeletedFinding(subject, loss, hint);
}
