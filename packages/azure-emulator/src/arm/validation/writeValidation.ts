import type { ArmResource } from "../../tenantFile.js";
import type { TenantState } from "../../tenantState.js";
import { validateCognitiveServicesAccount } from "./cognitiveServicesValidation.js";
import { validateDiskEncryptionSet } from "./diskEncryptionSetValidation.js";
import { validateManagedDisk } from "./managedDiskValidation.js";
import { validateMlWorkspace } from "./mlWorkspaceValidation.js";

/** Everything a resource provider looks at when it accepts or refuses a write. */
export interface WriteContext {
  readonly state: TenantState;
  readonly method: "PUT" | "PATCH";
  /** The stored resource before the write; undefined when the write creates it. */
  readonly stored: ArmResource | undefined;
  /** The resource as it would be after the write (the merged body for PATCH). */
  readonly next: ArmResource;
  /** The request body as sent: the full resource for PUT, the merge patch for PATCH. */
  readonly request: Record<string, unknown>;
  /** Emulator clock, ms since the epoch. */
  readonly now: number;
}

/** Why a resource provider refuses a write; `target` names the offending field. */
export interface WriteRefusal {
  readonly status: 400 | 409;
  readonly code: string;
  readonly message: string;
  readonly target?: string;
}

/** A resource provider's synchronous validation of one resource type. */
export type WriteValidator = (context: WriteContext) => WriteRefusal | undefined;

const validators = new Map<string, WriteValidator>([
  ["microsoft.compute/diskencryptionsets", validateDiskEncryptionSet],
  ["microsoft.cognitiveservices/accounts", validateCognitiveServicesAccount],
  ["microsoft.machinelearningservices/workspaces", validateMlWorkspace],
  ["microsoft.compute/disks", validateManagedDisk],
]);

/** Validates a PUT or PATCH the way the owning resource provider would; undefined when accepted. */
export function validateWrite(context: WriteContext): WriteRefusal | undefined {
  return validators.get(context.next.type.toLowerCase())?.(context);
}
