import type { ResourceModule } from "../resourceModule.js";
import { evaluateAiServicesAccount } from "./aiServicesAccountFindings.js";
import { aiServicesAccountRule } from "./aiServicesAccountRule.js";

/** Azure OpenAI / AI services accounts (`Microsoft.CognitiveServices/accounts`). */
export const aiServicesAccountModule: ResourceModule = {
  resourceType: aiServicesAccountRule.resourceType,
  displayName: aiServicesAccountRule.displayName,
  apiVersion: "2025-06-01",
  evaluate: evaluateAiServicesAccount,
  consumer: aiServicesAccountRule,
};
