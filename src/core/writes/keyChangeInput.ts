import type { ArmResourceJson } from "../arm/armResource.js";
import type { KeyVersionFacts, VaultFacts } from "../keyStores/keyFacts.js";

/** The power states of the VMs a resource's key change would reach, as read just before the write. */
export interface VmStates {
  /** VM id and its power state (`running`, `deallocated`, `stopped`, ..., `unknown`). */
  readonly vms: readonly { readonly id: string; readonly powerState: string }[];
  /** Set when the users could not be listed or a VM could not be read: the reason. */
  readonly unreadable?: string | undefined;
}

/** What proving a change of a resource's key version looks at, all read just before the write. */
export interface KeyChangeInput {
  /** The resource as read just before the write. */
  readonly resource: ArmResourceJson;
  /** The key version it would move to. */
  readonly target: KeyVersionFacts;
  /** The vault or Managed HSM holding it. */
  readonly vault: VaultFacts;
  /** When the consumer rule asks for them (`needsVmStates`); without them such a change is refused. */
  readonly vmStates?: VmStates | undefined;
}
