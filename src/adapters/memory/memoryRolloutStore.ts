import type { RolloutStore } from "../../core/ports/rolloutStore.js";
import type { MemberOutcome, Rollout, RolloutMember, RolloutState } from "../../core/rollout/rolloutState.js";

interface Entry {
  rollout: Rollout;
  /** Lower-case resource id → member. */
  members: Map<string, RolloutMember>;
}

/**
 * {@link RolloutStore} in memory, with the Table store's semantics: ids compare case-insensitively,
 * and every method reads and writes without yielding, so concurrent callers see one another's
 * changes as the Table's ETag checks make them.
 */
export class MemoryRolloutStore implements RolloutStore {
  private readonly rollouts = new Map<string, Entry>();

  constructor(private readonly clock: () => number = Date.now) {}

  createRollout(rollout: Rollout, members: readonly RolloutMember[]): Promise<boolean> {
    const key = rollout.rolloutId.toLowerCase();
    if (this.rollouts.has(key)) return Promise.resolve(false);
    this.rollouts.set(key, {
      rollout: { ...rollout },
      members: new Map(members.map((m) => [m.resourceId.toLowerCase(), { ...m }])),
    });
    return Promise.resolve(true);
  }

  getRollout(rolloutId: string): Promise<Rollout | undefined> {
    const entry = this.rollouts.get(rolloutId.toLowerCase());
    return Promise.resolve(entry === undefined ? undefined : { ...entry.rollout });
  }

  listRolloutMembers(rolloutId: string): Promise<RolloutMember[]> {
    const entry = this.rollouts.get(rolloutId.toLowerCase());
    const list = entry === undefined ? [] : [...entry.members.values()].map((m) => ({ ...m }));
    return Promise.resolve(list.sort((a, b) => a.wave - b.wave));
  }

  getRolloutMember(rolloutId: string, resourceId: string): Promise<RolloutMember | undefined> {
    const member = this.rollouts.get(rolloutId.toLowerCase())?.members.get(resourceId.toLowerCase());
    return Promise.resolve(member === undefined ? undefined : { ...member });
  }

  settleRolloutMember(
    rolloutId: string,
    resourceId: string,
    outcome: MemberOutcome,
    reason: string,
  ): Promise<boolean> {
    const members = this.rollouts.get(rolloutId.toLowerCase())?.members;
    const member = members?.get(resourceId.toLowerCase());
    if (members === undefined || member === undefined) return Promise.resolve(false);
    if (member.state !== "held" && member.state !== "released") return Promise.resolve(false);
    members.set(resourceId.toLowerCase(), { ...member, state: outcome, reason });
    return Promise.resolve(true);
  }

  markRolloutMembersReleased(rolloutId: string, resourceIds: readonly string[]): Promise<void> {
    const members = this.rollouts.get(rolloutId.toLowerCase())?.members;
    for (const id of resourceIds) {
      const member = members?.get(id.toLowerCase());
      if (member?.state === "held") members?.set(id.toLowerCase(), { ...member, state: "released" });
    }
    return Promise.resolve();
  }

  updateRollout(
    rolloutId: string,
    expected: { wave: number; state: RolloutState },
    change: { wave?: number; state?: RolloutState; reason?: string },
  ): Promise<boolean> {
    const entry = this.rollouts.get(rolloutId.toLowerCase());
    if (entry === undefined) return Promise.resolve(false);
    if (entry.rollout.wave !== expected.wave || entry.rollout.state !== expected.state)
      return Promise.resolve(false);
    entry.rollout = {
      ...entry.rollout,
      ...change,
      updatedAt: new Date(this.clock()).toISOString(),
    };
    return Promise.resolve(true);
  }
}
