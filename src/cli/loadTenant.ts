import type { TenantFile } from "@cmkr/azure-emulator";
import { usageError } from "./cliError.js";
import { loadEmulatorModule } from "./emulatorModule.js";

/**
 * Reads the `--tenant` file. Any problem with it is a usage error naming the file and, for a file
 * that does not match the contract, the JSON path of the first problem.
 */
export async function loadTenant(path: string): Promise<TenantFile> {
  const { readTenantFile, TenantFileError } = await loadEmulatorModule();
  try {
    return await readTenantFile(path);
  } catch (error) {
    if (error instanceof TenantFileError) throw usageError(error.message, error.code);
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a directory" : code;
    throw usageError(
      `${path}: cannot read the tenant file (${reason ?? "unknown error"})`,
      "TenantFileUnreadable",
    );
  }
}
