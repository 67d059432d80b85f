/**
 * Wave sizes of a staged rollout (setting `CMKR_ROLLOUT_WAVES`): a comma-separated list whose first
 * entry may be `per-type` (one consumer of each resource type), then whole numbers (that many
 * consumers), and last `*` (every consumer left). Consumers left after the last entry form one more
 * wave, so no list ever leaves a consumer out. Default `per-type,10,*`.
 */
export type WaveSize = "per-type" | number | "rest";

/** The parsed setting. */
export type WavePlan = readonly WaveSize[];

/** The default: one consumer of each type, then ten, then the rest. */
export const defaultWaves = "per-type,10,*";

/** Why a wave list is invalid (the configuration names the variable). */
export function waveListProblem(text: string): string | undefined {
  const parsed = parseWaves(text);
  return typeof parsed === "string" ? parsed : undefined;
}

/** Reads a wave list; a string is the problem with it (position named). */
export function parseWaves(text: string): WavePlan | string {
  const entries = text.split(",").map((e) => e.trim());
  const out: WaveSize[] = [];
  for (const [index, entry] of entries.entries()) {
    const where = `entry ${index + 1} (${JSON.stringify(entry)})`;
    if (entry === "per-type") {
      if (index !== 0) return `${where}: per-type may only be the first wave`;
      out.push("per-type");
    } else if (entry === "*") {
      if (index !== entries.length - 1) return `${where}: * (the rest) may only be the last wave`;
      out.push("rest");
    } else if (/^\d+$/.test(entry) && Number(entry) >= 1 && Number(entry) <= 100_000) {
      out.push(Number(entry));
    } else {
      return `${where}: expected per-type, a whole number from 1 to 100000, or *`;
    }
  }
  return out;
}

/** One consumer to place in a wave. */
export interface WaveCandidate {
  readonly resourceId: string;
  readonly resourceType: string;
}

/**
 * Splits consumers into waves, deterministically (by type, then id, lower-case): the same consumers
 * always give the same waves, whatever order Resource Graph returned them in. `per-type` takes the
 * first consumer of each type; a number takes the next that many; `rest` (and the end of the list)
 * takes everything left. Empty waves are dropped.
 */
export function assignWaves<T extends WaveCandidate>(items: readonly T[], plan: WavePlan): T[][] {
  const sortKey = (c: WaveCandidate): string =>
    `${c.resourceType.toLowerCase()}\u0000${c.resourceId.toLowerCase()}`;
  let left = [...items].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0));
  const waves: T[][] = [];
  for (const size of plan) {
    if (left.length === 0) break;
    if (size === "per-type") {
      const seen = new Set<string>();
      const wave: T[] = [];
      const rest: T[] = [];
      for (const item of left) {
        const type = item.resourceType.toLowerCase();
        if (seen.has(type)) rest.push(item);
        else {
          seen.add(type);
          wave.push(item);
        }
      }
      waves.push(wave);
      left = rest;
    } else if (size === "rest") {
      waves.push(left);
      left = [];
    } else {
      waves.push(left.slice(0, size));
      left = left.slice(size);
    }
  }
  if (left.length > 0) waves.push(left);
  return waves;
}

/**
 * How many waves a plan can fill: one per entry, and one more for the consumers left after a list
 * that does not end with `*`.
 */
export function waveSlots(plan: WavePlan): number {
  return plan.length + (plan[plan.length - 1] === "rest" ? 0 : 1);
}

/** Whether a plan stages anything: more than one wave (`*` alone moves everyone at once). */
export function isStaged(plan: WavePlan): boolean {
  return waveSlots(plan) > 1;
}
