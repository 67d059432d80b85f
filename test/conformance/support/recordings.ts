import { materialJson, type MaterialEntry } from "./material.js";
import type { ServedResponse } from "./keyVaultReplay.js";

/** One request and its answer in a test-proxy recording (`Azure/azure-sdk-assets`). */
export interface RecordedEntry {
  readonly RequestUri: string;
  readonly RequestMethod: string;
  readonly RequestHeaders: Readonly<Record<string, string>>;
  readonly RequestBody: unknown;
  readonly StatusCode: number;
  readonly ResponseHeaders: Readonly<Record<string, string>>;
  readonly ResponseBody: unknown;
}

/** The entries of a recording, in the order they were made. */
export function recordedEntries(entry: MaterialEntry): RecordedEntry[] {
  return (materialJson(entry.file) as { Entries: RecordedEntry[] }).Entries;
}

/** A header of a recorded entry, whatever its casing. */
export function recordedHeader(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const found = Object.entries(headers).find(([k]) => k.toLowerCase() === name.toLowerCase());
  return found?.[1];
}

/** The recorded 401 Key Vault answers a request without a token with: the challenge every replay uses. */
export function recordedChallenge(entries: readonly RecordedEntry[]): ServedResponse {
  const first = entries.find((e) => e.StatusCode === 401);
  if (first === undefined) throw new Error("the recording has no 401 challenge");
  const authenticate = recordedHeader(first.ResponseHeaders, "WWW-Authenticate") ?? "";
  return { status: 401, headers: { "www-authenticate": authenticate }, body: first.ResponseBody };
}
