import type * as EmulatorPackage from "@cmkr/azure-emulator";
import { usageError } from "./cliError.js";

/** The emulator package, loaded only when a command runs against `--tenant`. */
export type EmulatorModule = typeof EmulatorPackage;

let loaded: Promise<EmulatorModule> | undefined;

/**
 * Loads the Azure emulator. It is a development dependency (the deployed app never carries it), so
 * an installation without it gets a usage error saying what to install instead of a stack trace.
 */
export function loadEmulatorModule(): Promise<EmulatorModule> {
  loaded ??= import("@cmkr/azure-emulator").catch((error: unknown) => {
    loaded = undefined;
    if ((error as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND") {
      throw usageError(
        "--tenant needs the Azure emulator (@cmkr/azure-emulator), which this installation does not include; run from a clone of the repository after `npm ci`",
        "EmulatorUnavailable",
      );
    }
    throw error;
  });
  return loaded;
}
