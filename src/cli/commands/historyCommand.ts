import type { Command } from "commander";
import { keyRefFromUri, sameKey } from "../../core/ids/keyId.js";
import type { LedgerAction } from "../../core/ports/actionStore.js";
import { usageError } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { formatHistoryTable } from "../formatHistory.js";
import { openCliRuntime } from "../openCliRuntime.js";
import { parseInstant } from "../parseInstant.js";
import { terminalWidth } from "../terminalWidth.js";
import type { Ledger } from "../../core/ports/ledger.js";

/** Options of `cmkr history`. */
export interface HistoryOptions {
  resource?: string;
  key?: string;
  since?: Date;
  limit?: number;
  tenant?: string;
  json?: boolean;
}

/**
 * The recorded actions (the audit trail) of one resource, of every consumer of one key (any version),
 * or of everything, newest first, optionally since an instant. Read from the ledger the CLI opens:
 * the service's storage account, or with `--tenant` the local one (in-memory Azurite unless a
 * storage setting points elsewhere).
 */
export async function readHistory(ledger: Ledger, options: HistoryOptions): Promise<LedgerAction[]> {
  const since = options.since?.toISOString();
  const recent = (a: LedgerAction): boolean => since === undefined || a.at >= since;
  if (options.resource !== undefined) {
    const all = await ledger.listActions(options.resource);
    return all
      .filter(recent)
      .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0))
      .slice(0, options.limit);
  }
  const key = options.key === undefined ? undefined : keyRefFromUri(options.key);
  const ofKey = (a: LedgerAction): boolean => {
    if (key === undefined) return true;
    return [a.from, a.to].some((uri) => {
      const ref = uri === undefined ? undefined : keyRefFromUri(uri);
      return ref !== undefined && sameKey(ref, key);
    });
  };
  return ledger.newestActions(options.limit ?? 500, (a) => recent(a) && ofKey(a));
}

/** `cmkr history`. */
export async function runHistory(options: HistoryOptions, io: CliIo): Promise<ExitCode> {
  if (options.resource !== undefined && options.key !== undefined) {
    throw usageError("give --resource or --key, not both");
  }
  if (options.resource !== undefined && !options.resource.startsWith("/subscriptions/")) {
    throw usageError(`--resource ${options.resource}: expected an ARM resource id (/subscriptions/...)`);
  }
  if (options.key !== undefined && keyRefFromUri(options.key) === undefined) {
    throw usageError(
      `--key ${options.key}: expected a Key Vault key URI (https://{vault}/keys/{name}[/{version}])`,
    );
  }
  const local = await openCliRuntime({
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    apply: false,
  });
  try {
    const actions = await readHistory(local.runtime.ctx.ledger, options);
    io.out(
      options.json === true
        ? `${JSON.stringify(actions, null, 2)}\n`
        : formatHistoryTable(actions, terminalWidth(io.outStream ?? {})),
    );
    return exitCodes.ok;
  } finally {
    await local.close();
  }
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usageError(`--limit ${value}: expected a whole number from 1`);
  return n;
}

/** Registers `cmkr history`. */
export function registerHistoryCommand(program: Command, io: CliIo, setExit: (code: ExitCode) => void): void {
  program
    .command("history")
    .description("Show the audit trail: who planned or changed what, from which plan, before and after.")
    .option("--resource <id>", "the actions on one resource")
    .option("--key <keyId>", "the actions that moved consumers from or to this key (any version)")
    .option("--since <instant>", "only actions at or after this ISO 8601 instant", parseInstant)
    .option(
      "--limit <n>",
      "at most this many actions, newest first (default 500 for --key and all)",
      positive,
    )
    .option(
      "--tenant <file>",
      "read the local ledger of an emulated run (Azurite unless storage is configured)",
    )
    .option("--json", "print the actions as JSON (every field, for export)", false)
    .action(async (options: HistoryOptions) => {
      setExit(await runHistory(options, io));
    });
}
