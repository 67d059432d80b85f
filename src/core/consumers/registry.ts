import { aiServicesAccountModule } from "./aiServicesAccount/aiServicesAccountModule.js";
import type { ConsumerRule } from "./consumerRule.js";
import { diskEncryptionSetModule } from "./diskEncryptionSet/diskEncryptionSetModule.js";
import { keyVaultModule } from "./keyVault/keyVaultModule.js";
import { managedDiskModule } from "./managedDisk/managedDiskModule.js";
import { mlWorkspaceModule } from "./mlWorkspace/mlWorkspaceModule.js";
import type { ResourceModule } from "./resourceModule.js";

/** Every resource type the service judges, one module each. Adding a type: its folder and a line here. */
export const resourceModules: readonly ResourceModule[] = [
  mlWorkspaceModule,
  aiServicesAccountModule,
  managedDiskModule,
  diskEncryptionSetModule,
  keyVaultModule,
];

const byType = new Map(resourceModules.map((m) => [m.resourceType.toLowerCase(), m]));

/** The module of a resource type (case-insensitive), or undefined when the service does not judge it. */
export function moduleFor(resourceType: string): ResourceModule | undefined {
  return byType.get(resourceType.toLowerCase());
}

/**
 * The registry's spelling of a resource type the service judges (`Microsoft.Compute/diskEncryptionSets`),
 * whatever casing it came in (Resource Graph answers in lower case, ARM in mixed); other types as given.
 * Reports use it so one type is spelled one way.
 */
export function canonicalResourceType(resourceType: string): string {
  return moduleFor(resourceType)?.resourceType ?? resourceType;
}

/** Every consumer type the rotation engine handles, by lower-case ARM type. */
export const consumerRules: ReadonlyMap<string, ConsumerRule> = new Map(
  resourceModules.flatMap((m) =>
    m.consumer === undefined ? [] : [[m.resourceType.toLowerCase(), m.consumer]],
  ),
);

/** The consumer rule of a resource type, or undefined when the type is not a key consumer. */
export function consumerRuleFor(resourceType: string): ConsumerRule | undefined {
  return consumerRules.get(resourceType.toLowerCase());
}

const byConsumerType = new Map([...consumerRules.values()].map((r) => [r.consumerType, r]));

/** The consumer rule of a consumer type (`aiServices`, `diskEncryptionSet`, ...), or undefined. */
export function consumerRuleOfType(consumerType: string): ConsumerRule | undefined {
  return byConsumerType.get(consumerType);
}
