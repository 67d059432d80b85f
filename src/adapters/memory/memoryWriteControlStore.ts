import { randomUUID } from "node:crypto";
import type { WriteControlStore, WritePause } from "../../core/ports/writeControlStore.js";

/**
 * {@link WriteControlStore} in memory, with the Table store's semantics; every method reads and
 * writes without yielding, so concurrent callers never count past the limit.
 */
export class MemoryWriteControlStore implements WriteControlStore {
  private readonly counts = new Map<string, number>();
  private pause: WritePause | undefined;

  takeWrite(window: string, limit: number): Promise<boolean> {
    const count = this.counts.get(window) ?? 0;
    if (count >= limit) return Promise.resolve(false);
    this.counts.set(window, count + 1);
    return Promise.resolve(true);
  }

  writesCounted(window: string): Promise<number> {
    return Promise.resolve(this.counts.get(window) ?? 0);
  }

  writePause(): Promise<WritePause | undefined> {
    return Promise.resolve(this.pause === undefined ? undefined : { ...this.pause });
  }

  pauseWrites(pause: Omit<WritePause, "pauseId">): Promise<WritePause> {
    this.pause ??= { ...pause, pauseId: randomUUID() };
    return Promise.resolve({ ...this.pause });
  }

  resumeWrites(): Promise<WritePause | undefined> {
    const lifted = this.pause;
    this.pause = undefined;
    return Promise.resolve(lifted);
  }
}
