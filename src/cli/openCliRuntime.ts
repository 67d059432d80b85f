import type { AzureEmulator } from "@cmkr/azure-emulator";
import { LocalRuntimeError, openLocalRuntime, type LocalRuntime } from "../runtime/localRuntime.js";
import { usageError } from "./cliError.js";
import { loadEmulatorModule } from "./emulatorModule.js";
import { loadTenant } from "./loadTenant.js";

/** The runtime a command runs on, and the emulator behind it with `--tenant`. */
export interface CliRuntime extends LocalRuntime {
  emulator?: AzureEmulator;
}

/**
 * Opens the service for one command: with `--tenant`, against the emulator seeded from that file
 * (and Azurite in memory for storage unless a storage setting points elsewhere); otherwise against
 * Azure. A setting the user must fix is a usage error.
 */
export async function openCliRuntime(options: { tenant?: string; apply: boolean }): Promise<CliRuntime> {
  let emulator: AzureEmulator | undefined;
  let startStorage;
  if (options.tenant !== undefined) {
    const module = await loadEmulatorModule();
    emulator = new module.AzureEmulator(await loadTenant(options.tenant), {
      lro: { polls: 1, retryAfterSeconds: 0 },
    });
    startStorage = module.startAzurite;
  }
  try {
    const local = await openLocalRuntime({ azure: emulator, startStorage, apply: options.apply });
    return emulator === undefined ? local : { ...local, emulator };
  } catch (error) {
    if (error instanceof LocalRuntimeError) throw usageError(error.message, error.code);
    throw error;
  }
}
