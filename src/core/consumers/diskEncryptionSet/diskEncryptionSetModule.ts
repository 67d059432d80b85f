import type { ResourceModule } from "../resourceModule.js";
import { evaluateDiskEncryptionSet } from "./diskEncryptionSetFindings.js";
import { diskEncryptionSetRule } from "./diskEncryptionSetRule.js";

/** Disk encryption sets (`Microsoft.Compute/diskEncryptionSets`). */
export const diskEncryptionSetModule: ResourceModule = {
  resourceType: diskEncryptionSetRule.resourceType,
  displayName: diskEncryptionSetRule.displayName,
  apiVersion: "2024-03-02",
  evaluate: evaluateDiskEncryptionSet,
  consumer: diskEncryptionSetRule,
};
