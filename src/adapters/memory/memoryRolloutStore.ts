import type { RolloutStore, RolloutWrite } from "../../core/ports/rolloutStore.js";
import type { Rollout, RolloutChunk, VersionedRollout } from "../../core/rollout/rolloutState.js";

interface Entry {
  rollout: Rollout;
  version: number;
  pages: Set<number>;
  /** Lower-case resource ids of settled members. */
  settled: Set<string>;
  chunks: RolloutChunk[];
}

const chunkOrder = (a: RolloutChunk, b: RolloutChunk): number =>
  a.wave - b.wave || a.page - b.page || a.index - b.index;

/**
 * {@link RolloutStore} in memory, with the Table store's semantics: ids compare case-insensitively,
 * every change is conditional on the version read, and every method reads and writes without
 * yielding, so concurrent callers see one another's changes as the Table's ETag checks make them.
 */
export class MemoryRolloutStore implements RolloutStore {
  private readonly rollouts = new Map<string, Entry>();

  private entry(rolloutId: string): Entry | undefined {
    return this.rollouts.get(rolloutId.toLowerCase());
  }

  createRollout(rollout: Rollout): Promise<boolean> {
    const key = rollout.rolloutId.toLowerCase();
    if (this.rollouts.has(key)) return Promise.resolve(false);
    this.rollouts.set(key, { rollout, version: 1, pages: new Set(), settled: new Set(), chunks: [] });
    return Promise.resolve(true);
  }

  getRollout(rolloutId: string): Promise<VersionedRollout | undefined> {
    const entry = this.entry(rolloutId);
    return Promise.resolve(
      entry === undefined ? undefined : { rollout: entry.rollout, version: String(entry.version) },
    );
  }

  updateRollout(next: Rollout, version: string): Promise<"stored" | "conflict"> {
    const entry = this.entry(next.rolloutId);
    if (entry === undefined || String(entry.version) !== version) return Promise.resolve("conflict");
    entry.rollout = next;
    entry.version++;
    return Promise.resolve("stored");
  }

  storeRolloutPage(
    next: Rollout,
    version: string,
    page: number,
    chunks: readonly RolloutChunk[],
  ): Promise<RolloutWrite> {
    const entry = this.entry(next.rolloutId);
    if (entry === undefined) return Promise.resolve("conflict");
    if (entry.pages.has(page)) return Promise.resolve("exists");
    if (String(entry.version) !== version) return Promise.resolve("conflict");
    entry.pages.add(page);
    entry.chunks.push(...chunks);
    entry.chunks.sort(chunkOrder);
    entry.rollout = next;
    entry.version++;
    return Promise.resolve("stored");
  }

  listRolloutChunks(rolloutId: string, wave: number, page?: number): Promise<RolloutChunk[]> {
    const entry = this.entry(rolloutId);
    return Promise.resolve(
      (entry?.chunks ?? []).filter((c) => c.wave === wave && (page === undefined || c.page === page)),
    );
  }

  settleRolloutMember(resourceId: string, next: Rollout, version: string): Promise<RolloutWrite> {
    const entry = this.entry(next.rolloutId);
    if (entry === undefined) return Promise.resolve("conflict");
    if (entry.settled.has(resourceId.toLowerCase())) return Promise.resolve("exists");
    if (String(entry.version) !== version) return Promise.resolve("conflict");
    entry.settled.add(resourceId.toLowerCase());
    entry.rollout = next;
    entry.version++;
    return Promise.resolve("stored");
  }
}
