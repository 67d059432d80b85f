import { tryParseResourceId } from "../../ids/resourceId.js";
import { aiServicesAccountRule } from "./aiServicesAccountRule.js";
import { stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { keyRefFromUri, type KeyRef } from "../../ids/keyId.js";
import { hasSystemAssignedIdentity, sameText } from "../../arm/armValues.js";
import { checkCmkConsumer, exclusionHint } from "../../findings/cmkConsumerChecks.js";
import { normalizeRegion, regionalSetting } from "../../findings/detectionSettings.js";
import { evaluationOf, type Evaluation, type Finding } from "../../findings/finding.js";
import type { RuleContext } from "../../findings/ruleContext.js";
import { nameOf, ticketBody } from "../../findings/ticketBody.js";

/*
 * Sources: Azure/azure-rest-api-specs cognitiveservices `Encryption {keySource, keyVaultProperties
 * {keyName, keyVersion, keyVaultUri, identityClientId}}` (as in @azure/arm-cognitiveservices 8.1);
 * learn.microsoft.com/azure/ai-services/openai/encrypt-data-at-rest: RSA or RSA-HSM 2048-bit keys,
 * soft delete and purge protection, legacy access policies, the account's system-assigned identity
 * with get/wrapKey/unwrapKey, trusted Microsoft services through the vault firewall, vault and
 * account in the same region and tenant.
 */

const LABEL = "Azure OpenAI / AI services account";

function address(resource: ArmResourceJson): { name: string; group: string } {
  return {
    name: nameOf(resource.id),
    group: tryParseResourceId(resource.id)?.resourceGroup ?? "<resource group>",
  };
}

function encryptionJson(key: KeyRef): string {
  return JSON.stringify({
    keySource: "Microsoft.KeyVault",
    keyVaultProperties: {
      keyVaultUri: `${key.vaultUrl}/`,
      keyName: key.keyName,
      keyVersion: key.version ?? "",
    },
  });
}

function setupSteps(resource: ArmResourceJson, key: KeyRef | undefined, identityFirst: boolean): string[] {
  const { name, group } = address(resource);
  const keyText = key === undefined ? "the key" : `the key \`${key.keyId}\``;
  return [
    ...(identityFirst
      ? [
          `Give the account a system-assigned managed identity: \`az cognitiveservices account identity assign --name ${name} --resource-group ${group}\`.`,
        ]
      : []),
    `Use a key vault in the account's region (${resource.location ?? "its region"}) and tenant with **soft delete and purge protection** on and the **access policy** permission model (vaults using Azure RBAC are not supported for this account type). If the vault firewall is on, allow trusted Microsoft services (\`networkAcls.bypass = AzureServices\`).`,
    `Use an **RSA or RSA-HSM key of 2048 bits**${key === undefined ? "" : ` (the configured key for this region is \`${key.keyId}\`)`}.`,
    `Grant the account's system-assigned identity **get, wrapKey and unwrapKey** on ${keyText}: \`az keyvault set-policy --name <vault> --object-id <identity principal id> --key-permissions get wrapKey unwrapKey\`.`,
    `Switch the account to the key: \`az cognitiveservices account update --name ${name} --resource-group ${group} --encryption '${key === undefined ? '{"keySource":"Microsoft.KeyVault","keyVaultProperties":{"keyVaultUri":"https://<vault>.vault.azure.net/","keyName":"<key>","keyVersion":"<version>"}}' : encryptionJson(key)}'\` (or the portal's *Encryption* blade).`,
  ];
}

const why =
  "Your organisation requires data at rest (fine-tuning data, uploaded files, stored completions and batch data) to be encrypted with keys it controls, so access can be audited and revoked. With Microsoft-managed keys it cannot.";

function microsoftManagedFinding(
  resource: ArmResourceJson,
  context: RuleContext,
  enforce: { key: KeyRef; patch: Record<string, unknown> } | undefined,
  modeNote: string,
): Finding {
  const selfAction =
    enforce === undefined
      ? `${modeNote} Once the account uses a customer-managed key, the service keeps it on the newest usable version of that key. ${exclusionHint(context.settings)}`
      : `The service switches the account to \`${enforce.key.keyId}\` itself after proving the key is usable by it (preflight); this ticket is only opened when that proof or the write fails, and it then lists why. ${exclusionHint(context.settings)}`;
  return {
    code: "AiServicesMicrosoftManagedKey",
    severity: "high",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `${LABEL} ${nameOf(resource.id)} uses Microsoft-managed keys`,
    body: ticketBody(resource, {
      code: "AiServicesMicrosoftManagedKey",
      what: "This account encrypts its data at rest with Microsoft-managed keys, not a customer-managed key.",
      why,
      steps: setupSteps(resource, enforce?.key, !hasSystemAssignedIdentity(resource)),
      selfAction,
    }),
    ...(enforce === undefined
      ? {}
      : { remediation: { kind: "enable-cmk", keyId: enforce.key.keyId, patch: enforce.patch } as const }),
  };
}

function noSystemIdentityFinding(resource: ArmResourceJson, context: RuleContext, key: KeyRef): Finding {
  return {
    code: "AiServicesNoSystemIdentity",
    severity: "high",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `${LABEL} ${nameOf(resource.id)} uses Microsoft-managed keys and has no system-assigned identity`,
    body: ticketBody(resource, {
      code: "AiServicesNoSystemIdentity",
      what: `This account encrypts its data at rest with Microsoft-managed keys. The service is configured to switch accounts in this region to \`${key.keyId}\`, but cannot: the account has no system-assigned managed identity, which must exist and be granted access to the key first.`,
      why: `${why} The service does not add identities or grant key access itself: both are security decisions for the account's owner.`,
      steps: setupSteps(resource, key, true),
      selfAction: `Once the account has a system-assigned identity with get, wrapKey and unwrapKey on the key, the service switches it to the key at its next change or sweep (after proving the key is usable), and this finding clears. ${exclusionHint(context.settings)}`,
    }),
  };
}

function invalidKeyFinding(resource: ArmResourceJson, context: RuleContext): Finding {
  const kvp = (name: string) =>
    stringField(resource, "properties", "encryption", "keyVaultProperties", name) ?? "(absent)";
  return {
    code: "CmkKeyReferenceInvalid",
    severity: "medium",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `${LABEL} ${nameOf(resource.id)}: its customer-managed key cannot be identified`,
    body: ticketBody(resource, {
      code: "CmkKeyReferenceInvalid",
      what: `The account's \`keySource\` is Microsoft.KeyVault, but its key reference is incomplete or invalid (keyVaultUri ${kvp("keyVaultUri")}, keyName ${kvp("keyName")}).`,
      why: "The service cannot check the key's vault, expiry or newer versions, so a key problem would go unnoticed until the account stops working.",
      steps: setupSteps(resource, undefined, false).slice(-1),
      selfAction: `The service re-checks the account on its next change and at each sweep. ${exclusionHint(context.settings)}`,
    }),
  };
}

function isMicrosoftManaged(resource: ArmResourceJson): boolean {
  const source = stringField(resource, "properties", "encryption", "keySource");
  // An absent encryption block or key source is the platform default: Microsoft-managed.
  return source === undefined || source.trim() === "" || sameText(source, "Microsoft.CognitiveServices");
}

/**
 * Judges a Cognitive Services account of a configured kind. Microsoft-managed keys are a finding;
 * in enforce mode, with a key configured for the account's region and a system-assigned identity,
 * the finding carries an `enable-cmk` remediation (the worker still runs the preflight proof).
 * Without that identity the finding is `AiServicesNoSystemIdentity` instead, with no remediation.
 * A CMK account gets the shared consumer checks and a catch-up rotation.
 */
export function evaluateAiServicesAccount(resource: ArmResourceJson, context: RuleContext): Evaluation {
  const { settings } = context;
  const kind = resource.kind ?? "";
  if (!settings.aiServicesKinds.some((k) => sameText(kind, k))) {
    return evaluationOf(resource, {
      notes: [
        `kind not in scope: ${kind === "" ? "(none)" : kind} (in scope: ${settings.aiServicesKinds.join(", ")})`,
      ],
    });
  }
  if (isMicrosoftManaged(resource)) {
    if (settings.aiServicesMode === "ticket") {
      return evaluationOf(resource, {
        findings: [
          microsoftManagedFinding(
            resource,
            context,
            undefined,
            "Ticket mode: the service reports this account and changes nothing.",
          ),
        ],
        notes: ["Microsoft-managed key; ticket mode"],
      });
    }
    const location = resource.location ?? undefined;
    const region = location === undefined ? "(no location)" : normalizeRegion(location);
    const configured = regionalSetting(settings.enforceKeys, location);
    const key = configured === undefined ? undefined : keyRefFromUri(configured);
    if (key === undefined) {
      return evaluationOf(resource, {
        findings: [
          microsoftManagedFinding(
            resource,
            context,
            undefined,
            `Enforce mode is on, but no key is configured for region ${region}, so the service cannot switch this account itself.`,
          ),
        ],
        notes: [`Microsoft-managed key; enforce mode, but no enforce key for region ${region}`],
      });
    }
    if (!hasSystemAssignedIdentity(resource)) {
      return evaluationOf(resource, {
        findings: [noSystemIdentityFinding(resource, context, key)],
        notes: [`Microsoft-managed key; enforce mode blocked: no system-assigned identity`],
      });
    }
    return evaluationOf(resource, {
      findings: [
        microsoftManagedFinding(
          resource,
          context,
          { key, patch: aiServicesAccountRule.rotationPatch(resource, key) },
          "",
        ),
      ],
      notes: [`Microsoft-managed key; enforce mode: enable-cmk with ${key.keyId} after preflight`],
    });
  }
  const key = aiServicesAccountRule.currentKey(resource);
  if (key === undefined) return evaluationOf(resource, { findings: [invalidKeyFinding(resource, context)] });
  const checks = checkCmkConsumer(
    {
      resource,
      label: LABEL,
      key,
      keyLossConsequence: aiServicesAccountRule.keyLossConsequence,
      rotate: true,
    },
    context,
    exclusionHint(settings),
  );
  return evaluationOf(resource, {
    findings: checks.findings,
    maintenance: checks.maintenance,
    notes: checks.notes,
    undetermined: checks.undetermined,
    cmkKeyId: checks.cmkKeyId,
  });
}
