import type { Command } from "commander";
import type { EmulatorServer, TenantFile } from "@cmkr/azure-emulator";
import { failure } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { loadEmulatorModule } from "../emulatorModule.js";
import { loadTenant } from "../loadTenant.js";
import { parsePort } from "../optionParsers.js";
import { shutdownSignal } from "../shutdownSignal.js";

/** Options of `cmkr emulator`. */
export interface EmulatorCommandOptions {
  tenant: string;
  port?: number;
}

/** What the user needs to point Azure SDK clients at the running emulator. */
export function describeEmulator(server: EmulatorServer, tenant: TenantFile, tenantPath: string): string {
  const vaults = Object.keys(tenant.keyVaults).map((url) => url.replace(/\/+$/, ""));
  const lines = [
    `Azure emulator for tenant ${tenant.tenantId} (${tenantPath})`,
    `  ARM endpoint:    ${server.url}`,
    `  Resource Graph:  ${server.url}/providers/Microsoft.ResourceGraph/resources`,
    ...(vaults.length === 0
      ? ["  Key Vault:       (no vaults in the tenant file)"]
      : vaults.map((url, i) => `  ${i === 0 ? "Key Vault:      " : " ".repeat(16)} ${url}`)),
    `  CA certificate:  ${server.caPath}`,
    "",
    "Point Azure SDK clients at it:",
    `  export NODE_EXTRA_CA_CERTS=${server.caPath}   # trust the emulator's throwaway CA`,
    `  ARM and Resource Graph: client option { endpoint: "${server.url}" }`,
    `  Key Vault, or any client keeping the real Azure URLs: export HTTPS_PROXY=${server.url}`,
    "  Tokens are read, never verified: any bearer token works (the package's EmulatorCredential sets the caller).",
    `ready: listening on ${server.url} (Ctrl-C to stop)`,
    "",
  ];
  return lines.join("\n");
}

/**
 * Serves the tenant over loopback HTTPS until `until` settles (by default SIGINT or SIGTERM),
 * then closes the server.
 */
export async function runEmulatorCommand(
  options: EmulatorCommandOptions,
  io: CliIo,
  until: () => Promise<unknown> = shutdownSignal,
): Promise<void> {
  const { AzureEmulator, EmulatorServerError, startEmulatorServer } = await loadEmulatorModule();
  const tenant = await loadTenant(options.tenant);
  let server: EmulatorServer;
  try {
    server = await startEmulatorServer(new AzureEmulator(tenant), { port: options.port ?? 0 });
  } catch (error) {
    if (error instanceof EmulatorServerError) throw failure(error.message, error.code);
    throw error;
  }
  const stop = until();
  io.out(describeEmulator(server, tenant, options.tenant));
  try {
    await stop;
  } finally {
    await server.close();
    io.out("stopped\n");
  }
}

/** Registers `cmkr emulator --tenant FILE [--port N]`. */
export function registerEmulatorCommand(program: Command, io: CliIo): void {
  program
    .command("emulator")
    .description(
      "Serve an emulated Azure tenant (ARM, Key Vault keys, Resource Graph) over HTTPS on loopback, seeded from a tenant file.",
    )
    .requiredOption("--tenant <file>", "tenant file (JSON) to seed the emulator with")
    .option("--port <n>", "TCP port on 127.0.0.1 (0 picks a free one)", parsePort, 0)
    .action(async (options: EmulatorCommandOptions) => {
      await runEmulatorCommand(options, io);
    });
}
