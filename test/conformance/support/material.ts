import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The vendored conformance material (`test/conformance/material/`, see its README.md) as the
 * conformance tests read it. The files are never edited; quirks are kept as published.
 */

/** What a manifest entry says a file is. */
export type MaterialKind = "example" | "openapi" | "recording" | "docs-event-sample" | "spec-event-sample";

/** One file of the material, as `manifest.json` lists it. */
export interface MaterialEntry {
  /** Path below `material/`. */
  readonly file: string;
  readonly repository: string;
  /** Path in the source repository. */
  readonly path: string;
  readonly commit: string;
  readonly licence: string;
  readonly kind: MaterialKind;
  readonly operation?: string;
  readonly notes?: string;
}

/** The material folder. */
export const materialDir = join(dirname(fileURLToPath(import.meta.url)), "..", "material");

const manifest = JSON.parse(readFileSync(join(materialDir, "manifest.json"), "utf8")) as {
  generatedOn: string;
  files: MaterialEntry[];
};

/** Every entry of the manifest. */
export const materialEntries: readonly MaterialEntry[] = manifest.files;

/** The entries of one kind. */
export function entriesOfKind(kind: MaterialKind): MaterialEntry[] {
  return materialEntries.filter((e) => e.kind === kind);
}

/** The text of a material file, byte for byte. */
export function materialText(file: string): string {
  return readFileSync(join(materialDir, file), "utf8");
}

/** A material file parsed as JSON. */
export function materialJson(file: string): unknown {
  return JSON.parse(materialText(file));
}

/** A file's name relative to its service folder, for readable test names. */
export function shortName(file: string): string {
  return file.replace(/^rest-api-specs\//, "").replace(/^event-samples\//, "");
}
