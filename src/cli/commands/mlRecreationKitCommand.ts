import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Command } from "commander";
import { MlRecreationInputError, mlRecreationKitFor } from "../../app/mlRecreation/mlRecreationKitFor.js";
import { LocalRuntimeError } from "../../runtime/localRuntime.js";
import { openAzureReads } from "../../runtime/azureReads.js";
import { usageError } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { loadEmulatorModule } from "../emulatorModule.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { loadTenant } from "../loadTenant.js";

/** Options of `cmkr ml-recreation-kit`. */
export interface MlRecreationKitOptions {
  tenant?: string;
  out: string;
}

/** The files of the kit, as written to `--out`. */
export const kitFiles = ["inventory.json", "template.json", "README.md"] as const;

/**
 * Writes the re-creation kit of a Machine Learning workspace or hub without a customer-managed key:
 * `inventory.json`, `template.json` and `README.md` in `--out`. Reads Azure (or the emulated tenant),
 * writes nothing there.
 */
export async function runMlRecreationKit(
  workspaceId: string,
  options: MlRecreationKitOptions,
  io: CliIo,
): Promise<ExitCode> {
  let azure;
  if (options.tenant !== undefined) {
    const module = await loadEmulatorModule();
    azure = new module.AzureEmulator(await loadTenant(options.tenant));
  }
  let reads;
  try {
    reads = await openAzureReads({ azure });
  } catch (error) {
    if (error instanceof LocalRuntimeError) throw usageError(error.message, error.code);
    throw error;
  }
  let kit;
  try {
    kit = await mlRecreationKitFor(workspaceId, reads);
  } catch (error) {
    if (error instanceof MlRecreationInputError) throw usageError(error.message, error.code);
    throw error;
  }
  await mkdir(options.out, { recursive: true });
  await writeFile(join(options.out, "inventory.json"), `${JSON.stringify(kit.inventory, null, 2)}\n`);
  await writeFile(join(options.out, "template.json"), `${JSON.stringify(kit.template, null, 2)}\n`);
  await writeFile(join(options.out, "README.md"), kit.readme);
  const { inventory } = kit;
  const total = inventory.inventory.total + inventory.projects.reduce((n, p) => n + p.total, 0);
  const key = inventory.key?.chosen;
  const lines = [
    `${inventory.workspace.name} (${inventory.workspace.kind}): ${total} item(s) to move${inventory.projects.length > 0 ? ` across the hub and ${inventory.projects.length} project(s)` : ""}`,
    `  new ${inventory.workspace.kind === "Hub" ? "hub" : "workspace"}: ${inventory.newName}`,
    inventory.key === undefined
      ? `  replacement already tagged: ${inventory.replacements.map((r) => r.name).join(", ")}`
      : key === undefined
        ? "  key: none qualifies in this subscription and region; the template takes it as parameters (README.md)"
        : `  key: ${key.keyId ?? ""} (passes the preflight)`,
    ...kitFiles.map((f) => `  wrote ${join(options.out, f)}`),
    "",
  ];
  io.out(lines.join("\n"));
  return exitCodes.ok;
}

/** Registers `cmkr ml-recreation-kit`. */
export function registerMlRecreationKitCommand(
  program: Command,
  io: CliIo,
  setExit: (code: ExitCode) => void,
): void {
  program
    .command("ml-recreation-kit")
    .description(
      "Write the re-creation kit of a Machine Learning workspace or hub without a customer-managed key: its inventory, an ARM template for the replacement and the migration steps.",
    )
    .argument("<workspace id>", "ARM id of the workspace or hub")
    .option("--tenant <file>", "read the embedded emulator seeded from this tenant file instead of Azure")
    .requiredOption("--out <dir>", "directory to write inventory.json, template.json and README.md to")
    .addHelpText(
      "after",
      "\nExit codes: 0 written, 1 Azure failed, 2 usage error (not such a workspace, bad file).",
    )
    .action(async (workspaceId: string, options: MlRecreationKitOptions) => {
      setExit(await runMlRecreationKit(workspaceId, options, io));
    });
}
