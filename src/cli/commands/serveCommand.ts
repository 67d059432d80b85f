import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { failure } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { openCliRuntime } from "../openCliRuntime.js";
import { parsePort } from "../optionParsers.js";
import { shutdownSignal } from "../shutdownSignal.js";
import { localOperator } from "../cliActor.js";

/** Options of `cmkr serve`. */
export interface ServeOptions {
  tenant: string;
  port?: number;
  apply?: boolean;
  saveTenant?: string;
}

/** The port `func start` listens on, so URLs from its documentation work unchanged. */
export const defaultServePort = 7071;

/** What the user needs to call the functions. */
export function describeServe(url: string, options: ServeOptions, tenantId: string): string {
  return [
    `The service's HTTP functions, against the emulated tenant ${tenantId} (${options.tenant})`,
    options.apply === true
      ? "  Mode: --apply, the worker writes to the emulated tenant"
      : "  Mode: dry run, the worker plans and writes nothing (--apply to write; /api/remediate then applies a plan)",
    `  POST ${url}/api/events                    Event Grid deliveries (cmkr replay FILES --target ${url}/api/events)`,
    `  POST ${url}/api/remediate                 {"resourceId" | "keyId" | "subscriptionId": "..."} plans; {"planId": "..."} applies`,
    `  GET  ${url}/api/remediate/{operationId}   progress and report of a subscription remediation (and its plan)`,
    "  Queue worker: in this process; storage: Azurite in memory (unless AzureWebJobsStorage is set)",
    "  Function keys are not checked, as `func start` does not check them; CMKR_EVENTS_SHARED_SECRET is.",
    `ready: listening on ${url} (Ctrl-C to stop)`,
    "",
  ].join("\n");
}

/**
 * Runs the service's HTTP functions (`/api/events`, `/api/remediate`, the remediation status) on
 * loopback against the emulator seeded from `--tenant`, with Azurite in memory for the queue and the
 * ledger and the queue worker draining in this process: what `func start` gives in Azure's place.
 * Runs until `until` settles (by default SIGINT or SIGTERM), then lets what is in flight finish,
 * writes `--save-tenant` and stops.
 */
export async function runServe(
  options: ServeOptions,
  io: CliIo,
  until: () => Promise<unknown> = shutdownSignal,
): Promise<void> {
  const local = await openCliRuntime({ tenant: options.tenant, apply: options.apply === true });
  try {
    const { LocalHttpHostError, startLocalHttpHost } = await import("../../runtime/localHttpHost.js");
    let host;
    try {
      host = await startLocalHttpHost(local.runtime, {
        port: options.port ?? defaultServePort,
        drain: (onJob) => local.drain(onJob),
        operator: localOperator(),
        log: (line) => {
          io.out(`${line}\n`);
        },
      });
    } catch (error) {
      if (error instanceof LocalHttpHostError) throw failure(error.message, error.code);
      throw error;
    }
    const stop = until();
    io.out(describeServe(host.url, options, local.emulator?.toTenantFile().tenantId ?? "?"));
    try {
      await stop;
    } finally {
      await host.close();
      if (options.saveTenant !== undefined && local.emulator !== undefined) {
        await writeFile(options.saveTenant, `${JSON.stringify(local.emulator.toTenantFile(), null, 2)}\n`);
        io.out(`wrote ${options.saveTenant}\n`);
      }
      io.out("stopped\n");
    }
  } finally {
    await local.close();
  }
}

/** Registers `cmkr serve --tenant FILE [--port N]`. */
export function registerServeCommand(program: Command, io: CliIo): void {
  program
    .command("serve")
    .description(
      "Run the service's HTTP functions (/api/events, /api/remediate, the status endpoint) on loopback against the emulator, with the queue worker in process, as `func start` would.",
    )
    .requiredOption("--tenant <file>", "tenant file (JSON) to seed the emulator with")
    .option("--port <n>", `TCP port on 127.0.0.1 (0 picks a free one)`, parsePort, defaultServePort)
    .option("--apply", "let the worker write to the emulated tenant (default: dry run)", false)
    .option("--save-tenant <file>", "on stop, write the emulator's final state to this file")
    .action(async (options: ServeOptions) => {
      await runServe(options, io);
    });
}
