import { readFile } from "node:fs/promises";
import type { TenantFile } from "@cmkr/azure-emulator";
import { locateJsonSyntaxError } from "../core/events/locateJsonSyntaxError.js";
import { usageError } from "./cliError.js";
import { loadEmulatorModule } from "./emulatorModule.js";

/**
 * Reads the `--tenant` file. Any problem with it is a usage error naming the file and where: the
 * line and column of a JSON syntax error, or the JSON path of the first problem with the contract
 * (a resource type that does not match its id or is a misspelling of a known one included).
 */
export async function loadTenant(path: string): Promise<TenantFile> {
  const { parseTenantFile, TenantFileError } = await loadEmulatorModule();
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code;
    throw usageError(
      `${path}: cannot read the tenant file (${reason ?? "unknown error"})`,
      "TenantFileUnreadable",
    );
  }
  const json = text.replace(/^\uFEFF/, "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    const where = locateJsonSyntaxError(json);
    throw usageError(
      where === undefined
        ? `${path}: not valid JSON`
        : `${path}:${where.line}:${where.column}: not valid JSON: ${where.problem}`,
      "TenantFileInvalid",
    );
  }
  try {
    return parseTenantFile(parsed, path);
  } catch (error) {
    if (error instanceof TenantFileError) throw usageError(error.message, error.code);
    throw error;
  }
}
