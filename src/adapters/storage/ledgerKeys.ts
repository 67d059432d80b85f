import { createHash } from "node:crypto";

/**
 * Table Storage keys may not contain `/ \ # ?` or control characters; ARM ids are full of slashes.
 * The partition is the resource (so one resource's history is one partition query) and row keys are
 * prefixed by record kind.
 */
export function partitionKeyFor(resourceId: string): string {
  return encodeURIComponent(resourceId.toLowerCase());
}

/** A short, key-safe digest of an arbitrary string (dedupe keys, key URIs). */
export function digest(value: string): string {
  return createHash("sha256").update(value.toLowerCase()).digest("hex").slice(0, 32);
}

/** Row keys sort ascending; an inverted timestamp puts the newest action first. */
export function invertedTime(epochMs: number): string {
  return String(9_999_999_999_999 - epochMs).padStart(13, "0");
}

/** Job claims of one group (one key event, one manual run) share a partition, so they batch. */
export function jobPartition(group: string): string {
  return `jobs|${digest(group)}`;
}

/** The row of a manual operation in its claims partition; claim rows are 32 hex digits, so no clash. */
export const operationRow = "operation";
