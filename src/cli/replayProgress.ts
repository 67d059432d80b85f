/** What a replay has done so far, for its progress line. */
export interface ReplayCounts {
  /** Input bytes in all (the files' sizes); 0 when unknown (dead letters only). */
  totalBytes: number;
  /** Input bytes accounted for by the deliveries read so far. */
  bytesDone: number;
  /** Dead-letter blobs read. */
  blobs: number;
  /** Events read and deliveries handled (or sent). */
  events: number;
  deliveries: number;
  handled: number;
  jobsQueued: number;
  jobsDone: number;
}

/** Fresh counters. */
export function replayCounts(totalBytes: number): ReplayCounts {
  return {
    totalBytes,
    bytesDone: 0,
    blobs: 0,
    events: 0,
    deliveries: 0,
    handled: 0,
    jobsQueued: 0,
    jobsDone: 0,
  };
}

const number = (n: number): string => n.toLocaleString("en-US");

/** `4m 32s`, `1h 05m`, `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, "0")}m`;
}

/**
 * The progress line: events read and the rate, the share of the input done and the time left
 * when the total is known (files; not dead letters), and the worker's jobs; short enough for 80
 * columns. `replay: 12,345 events read, 38% of 50.0 MB, 412/s, ~49s left; jobs 120/130 done`.
 */
export function replayProgressLine(counts: ReplayCounts, elapsedMs: number, verb: string): string {
  const seconds = elapsedMs / 1000;
  const parts = [
    `replay: ${number(counts.events)} events ${verb}${counts.blobs > 0 ? ` from ${number(counts.blobs)} blob(s)` : ""}`,
  ];
  let left: string | undefined;
  if (counts.totalBytes > 0 && counts.bytesDone <= counts.totalBytes) {
    const fraction = counts.bytesDone / counts.totalBytes;
    parts.push(`${Math.floor(fraction * 100)}% of ${(counts.totalBytes / (1024 * 1024)).toFixed(1)} MB`);
    if (seconds >= 1 && fraction > 0 && fraction < 1) {
      left = `~${formatDuration((elapsedMs * (1 - fraction)) / fraction)} left`;
    }
  }
  if (seconds >= 1) parts.push(`${number(Math.round(counts.events / seconds))}/s`);
  if (left !== undefined) parts.push(left);
  const jobs =
    counts.jobsQueued > 0 ? `; jobs ${number(counts.jobsDone)}/${number(counts.jobsQueued)} done` : "";
  return `${parts.join(", ")}${jobs}`;
}
