import { tryParseResourceId } from "../ids/resourceId.js";
import type { KeyVersionFacts, VaultFacts } from "../keyStores/keyFacts.js";
import { keyDeletedFinding, vaultDeletedFinding, type KeyStoreSubject } from "./keyStoreFindings.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import { sameVault, vaultHostOf, type KeyRef } from "../ids/keyId.js";
import type { Finding, Remediation } from "./finding.js";
import type { RuleContext } from "./ruleContext.js";
import { nameOf, ticketBody } from "./ticketBody.js";

const DAY_MS = 24 * 60 * 60 * 1000;

/** A resource encrypted with a customer-managed key, as the shared checks see it. */
export interface CmkConsumer {
  readonly resource: ArmResourceJson;
  /** A human name for the type, e.g. "disk encryption set". */
  readonly label: string;
  readonly key: KeyRef;
  /** What happens to this resource if its key becomes unusable. */
  readonly keyLossConsequence: string;
  /** False when the resource can never be rotated by the service (e.g. ML service-side encryption). */
  readonly rotate: boolean;
}

/** What the shared checks found. */
export interface CmkConsumerChecks {
  readonly findings: Finding[];
  readonly maintenance: Remediation[];
  readonly notes: string[];
  /**
   * Set when the key store could not be judged (vault or key unreadable, vault facts missing): the
   * resource is then neither compliant nor not, whatever else was found.
   */
  readonly undetermined?: string | undefined;
  /** The key the checks judged the resource by (its identifier). */
  readonly cmkKeyId: string;
}

/** Resource group and name of a vault, for `az keyvault` commands. */
function vaultAddress(vault: VaultFacts): { name: string; group: string } {
  const parsed = tryParseResourceId(vault.armId);
  return { name: parsed?.name ?? nameOf(vault.armId), group: parsed?.resourceGroup ?? "<resource group>" };
}

/** The caller's vault facts, only when they describe the vault the key lives in. */
function vaultOfKey(key: KeyRef, vault: VaultFacts | undefined, notes: string[]): VaultFacts | undefined {
  if (vault === undefined) {
    notes.push(
      `vault facts for ${key.vaultUrl} were not provided: soft delete and purge protection not checked`,
    );
    return undefined;
  }
  if (!sameVault(vault.vaultUri, key.vaultUrl)) {
    notes.push(
      `the vault facts provided (${vault.vaultUri}) are not for the key's vault ${key.vaultUrl}: ignored`,
    );
    return undefined;
  }
  return vault;
}

/** The caller's key facts, only when they describe the key the resource uses. */
function factsOfKey(
  key: KeyRef,
  facts: KeyVersionFacts | undefined,
  notes: string[],
): KeyVersionFacts | undefined {
  if (facts === undefined) return undefined;
  const sameKey =
    sameVault(facts.vaultUrl, key.vaultUrl) && facts.keyName.toLowerCase() === key.keyName.toLowerCase();
  const sameVersion = key.version === undefined || facts.version.toLowerCase() === key.version.toLowerCase();
  if (!sameKey || !sameVersion) {
    notes.push(`the key facts provided (${facts.keyId}) are not for the key in use ${key.keyId}: ignored`);
    return undefined;
  }
  return facts;
}

function vaultFindings(c: CmkConsumer, vault: VaultFacts, exclusionHint: string): Finding[] {
  const { name, group } = vaultAddress(vault);
  const base = { resourceId: c.resource.id, resourceType: c.resource.type };
  const resourceName = nameOf(c.resource.id);
  const irreversible =
    "The service never changes these vault settings itself: purge protection cannot be turned off again once on, so it is the vault owner's decision.";
  const out: Finding[] = [];
  if (!vault.enableSoftDelete) {
    out.push({
      ...base,
      code: "CmkVaultSoftDeleteOff",
      severity: "high",
      title: `Key vault ${name} of ${c.label} ${resourceName} has soft delete off`,
      body: ticketBody(c.resource, {
        code: "CmkVaultSoftDeleteOff",
        what: `This ${c.label} is encrypted with the customer-managed key ${c.key.keyId}, held in key vault **${name}** (\`${vault.armId}\`), which has soft delete turned off.`,
        why: `Without soft delete a deleted key, or the whole vault, cannot be recovered: ${c.keyLossConsequence}, for good. Customer-managed key encryption requires soft delete and purge protection on the vault.`,
        steps: [
          `Turn soft delete on: \`az resource update --ids ${vault.armId} --set properties.enableSoftDelete=true\` (it cannot be turned off again; \`az keyvault update\` no longer has a soft-delete flag, and Azure has been turning soft delete on for every vault since February 2025).`,
          `Turn purge protection on as well if it is off: \`az keyvault update --name ${name} --resource-group ${group} --enable-purge-protection true\`.`,
        ],
        selfAction: `${irreversible} The finding clears at the next check after the change. ${exclusionHint}`,
      }),
    });
  }
  if (!vault.enablePurgeProtection) {
    out.push({
      ...base,
      code: "CmkVaultPurgeProtectionOff",
      severity: "high",
      title: `Key vault ${name} of ${c.label} ${resourceName} has purge protection off`,
      body: ticketBody(c.resource, {
        code: "CmkVaultPurgeProtectionOff",
        what: `This ${c.label} is encrypted with the customer-managed key ${c.key.keyId}, held in key vault **${name}** (\`${vault.armId}\`), which has purge protection turned off.`,
        why: `Without purge protection anyone allowed to purge can destroy the key permanently during the soft-delete retention period: ${c.keyLossConsequence}, with no way back. Customer-managed key encryption requires purge protection on the vault.`,
        steps: [
          `Turn purge protection on: \`az keyvault update --name ${name} --resource-group ${group} --enable-purge-protection true\`. This is irreversible: deleted keys and the vault can then only be purged after the retention period.`,
        ],
        selfAction: `${irreversible} The finding clears at the next check after the change. ${exclusionHint}`,
      }),
    });
  }
  return out;
}

function keyFindings(
  c: CmkConsumer,
  key: KeyVersionFacts,
  now: Date,
  warningDays: number,
  exclusionHint: string,
): Finding[] {
  const base = { resourceId: c.resource.id, resourceType: c.resource.type };
  const resourceName = nameOf(c.resource.id);
  const newVersion =
    "Create a new version of the key (same key type and a size this resource supports, an expiry date well in the future, wrapKey and unwrapKey allowed): `az keyvault key rotate --vault-name " +
    `${vaultHostOf(c.key.vaultUrl)?.split(".")[0] ?? "<vault>"} --name ${c.key.keyName}\`.`;
  const selfAction = c.rotate
    ? `Once a newer usable version exists, the service moves this ${c.label} to it after proving the version is usable (preflight), and the finding clears. ${exclusionHint}`
    : `This ${c.label} cannot be rotated by the service; move it to the new version by hand. ${exclusionHint}`;
  if (!key.enabled) {
    return [
      {
        ...base,
        code: "CmkKeyDisabled",
        severity: "urgent",
        title: `URGENT: the key of ${c.label} ${resourceName} is disabled`,
        body: ticketBody(c.resource, {
          code: "CmkKeyDisabled",
          what: `This ${c.label} is encrypted with ${key.keyId}, which is disabled.`,
          why: `A disabled key cannot wrap or unwrap: ${c.keyLossConsequence}.`,
          steps: [
            `Re-enable the key version if it was disabled by mistake: \`az keyvault key set-attributes --id ${key.keyId} --enabled true\`.`,
            `Otherwise: ${newVersion}`,
          ],
          selfAction,
        }),
      },
    ];
  }
  if (key.expiresOn !== undefined && key.expiresOn.getTime() <= now.getTime()) {
    return [
      {
        ...base,
        code: "CmkKeyExpired",
        severity: "urgent",
        title: `URGENT: the key of ${c.label} ${resourceName} has expired`,
        body: ticketBody(c.resource, {
          code: "CmkKeyExpired",
          what: `This ${c.label} is encrypted with ${key.keyId}, which expired on ${key.expiresOn.toISOString()}.`,
          why: `Key Vault refuses cryptographic operations outside a key's validity period: ${c.keyLossConsequence}.`,
          steps: [newVersion],
          selfAction,
        }),
      },
    ];
  }
  if (key.expiresOn !== undefined && key.expiresOn.getTime() - now.getTime() <= warningDays * DAY_MS) {
    return [
      {
        ...base,
        code: "CmkKeyExpiresSoon",
        severity: "high",
        title: `The key of ${c.label} ${resourceName} expires on ${key.expiresOn.toISOString().slice(0, 10)}`,
        body: ticketBody(c.resource, {
          code: "CmkKeyExpiresSoon",
          what: `This ${c.label} is encrypted with ${key.keyId}, which expires on ${key.expiresOn.toISOString()}.`,
          why: `After that date Key Vault refuses to use the key: ${c.keyLossConsequence}.`,
          steps: [newVersion],
          selfAction,
        }),
      },
    ];
  }
  return [];
}

/**
 * The checks every CMK consumer shares: the key and its vault must still exist (a deleted key or
 * vault is an urgent finding: the resource cannot wrap or unwrap), the key's vault must keep soft
 * delete and purge protection, the key version must be usable, and the rotation engine is asked to
 * catch up with the newest usable version (it decides; it never moves backwards). When the key
 * store could not be read, or no vault facts were given, the resource is undetermined: nobody has
 * shown it compliant.
 */
export function checkCmkConsumer(
  c: CmkConsumer,
  context: RuleContext,
  exclusionHint: string,
): CmkConsumerChecks {
  const notes: string[] = [`encrypted with the customer-managed key ${c.key.keyId}`];
  const cmkKeyId = c.key.keyId;
  const subject: KeyStoreSubject = {
    resource: c.resource,
    label: c.label,
    key: c.key,
    keyLossConsequence: c.keyLossConsequence,
  };
  const store = context.keyStore;
  if (store?.kind === "vault-deleted")
    return {
      findings: [vaultDeletedFinding(subject, store, exclusionHint)],
      maintenance: [],
      notes,
      cmkKeyId,
    };
  if (store?.kind === "unreadable") {
    notes.push(`not judged: ${store.reason}`);
    return { findings: [], maintenance: [], notes, undetermined: store.reason, cmkKeyId };
  }
  const findings: Finding[] = [];
  const vault = vaultOfKey(c.key, context.vault, notes);
  if (vault !== undefined) findings.push(...vaultFindings(c, vault, exclusionHint));
  if (store?.kind === "key-deleted") {
    findings.push(keyDeletedFinding(subject, store, exclusionHint));
    // Nothing to rotate to: the versions went with the key.
    return { findings, maintenance: [], notes, cmkKeyId };
  }
  if (vault === undefined) {
    return {
      findings,
      maintenance: [],
      notes,
      undetermined: `the vault of ${c.key.keyId} was not read: its soft delete, purge protection and access are not checked`,
      cmkKeyId,
    };
  }
  const key = factsOfKey(c.key, context.currentKey, notes);
  if (key !== undefined) {
    findings.push(...keyFindings(c, key, context.now, context.settings.keyExpiryWarningDays, exclusionHint));
  }
  const maintenance: Remediation[] = c.rotate ? [{ kind: "catch-up-rotation", keyId: c.key.keyId }] : [];
  return { findings, maintenance, notes, cmkKeyId };
}

/** The sentence every ticket ends with: how to take the resource out of the service's hands. */
export function exclusionHint(settings: RuleContext["settings"]): string {
  const tag = settings.exclusionTag;
  return tag.value === undefined
    ? `To stop the service acting on this resource, tag it \`${tag.name}\`.`
    : `To stop the service acting on this resource, tag it \`${tag.name}=${tag.value}\`.`;
}
