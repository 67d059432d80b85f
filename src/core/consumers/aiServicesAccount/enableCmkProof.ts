import { field, type ArmResourceJson } from "../../arm/armResource.js";
import { provisioningStateProof } from "../../writes/provisioningStateProof.js";
import type { WriteRestriction } from "../../writes/writeRestriction.js";

/*
 * Which accounts may be switched from Microsoft-managed to customer-managed keys after creation
 * (docs/restrictions.md §4):
 * - Azure OpenAI (kind OpenAI): MicrosoftDocs/azure-ai-docs articles/ai-foundry/openai/encrypt-data-at-rest.md
 *   (ms.date 11/26/2025, S16) documents enabling customer-managed keys on an existing resource ("Under
 *   Encryption type, select Customer Managed Keys").
 * - Foundry / AI services (kind AIServices): articles/ai-foundry/concepts/encryption-keys-portal.md (S18)
 *   allows Microsoft-managed to customer-managed "but not reverted", while
 *   articles/ai-services/encryption/cognitive-services-encryption-keys-portal.md (S19) says "After
 *   deployment, you can't switch from Microsoft-managed keys to Customer-managed keys or vice versa".
 *   The sources disagree, so the service does not switch these itself: a person decides.
 * - Any other kind: no Microsoft source documents the switch, so the service does not make it.
 */
const SWITCHABLE_KINDS = ["openai"];

/**
 * Proves switching an AI services account to a customer-managed key safe to write now: a kind whose
 * documentation allows the switch after creation, a settled account, and a key the account can use
 * (`keyProblems`: the preflight's errors for the configured key version, or why it could not be read).
 */
export function enableCmkProof(
  account: ArmResourceJson,
  keyProblems: readonly string[] | { unreadable: string },
): WriteRestriction[] {
  const out = provisioningStateProof(account, "account");
  const kind = account.kind ?? "";
  if (kind.toLowerCase() === "aiservices") {
    const foundry = field(account, "properties", "allowProjectManagement") === true;
    out.push({
      code: "AiServicesFoundryNoSwitch",
      message: `${foundry ? "a Foundry resource (AIServices with project management)" : "an AIServices account"}: Microsoft's pages disagree on whether its keys can be switched to customer-managed after deployment (one allows it, one forbids it), so the service does not switch it; a person decides, and if the switch is made it cannot be reverted`,
    });
  } else if (!SWITCHABLE_KINDS.includes(kind.toLowerCase())) {
    out.push({
      code: "AiServicesKindCannotSwitch",
      message: `no Microsoft documentation says an account of kind ${kind === "" ? "(none)" : kind} can be switched to customer-managed keys after creation, so the service does not do it`,
    });
  }
  if (Array.isArray(keyProblems)) {
    if (keyProblems.length > 0) {
      out.push({
        code: "AiServicesKeyNotUsable",
        message: `the configured key is not usable by the account: ${keyProblems.join("; ")}`,
      });
    }
  } else {
    out.push({
      code: "AiServicesKeyNotUsable",
      message: `the configured key could not be proven usable: ${(keyProblems as { unreadable: string }).unreadable}`,
    });
  }
  return out;
}
