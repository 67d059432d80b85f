import { userInfo } from "node:os";
import type { Command } from "commander";
import { budgetWindow } from "../../core/rollout/writeHold.js";
import { usageError } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { openCliRuntime } from "../openCliRuntime.js";

/** Options of `cmkr writes`. */
export interface WritesOptions {
  tenant?: string;
  reason?: string;
  by?: string;
  json?: boolean;
}

/**
 * The kill switch in the ledger every instance reads before each write: `pause` holds every write
 * from the next one on (no restart, unlike the `CMKR_WRITES_PAUSED` app setting), `resume` lifts it,
 * `status` shows it and this hour's write count.
 */
export async function runWrites(action: string, options: WritesOptions, io: CliIo): Promise<ExitCode> {
  if (action !== "pause" && action !== "resume" && action !== "status")
    throw usageError(`${action}: expected pause, resume or status`, "WritesActionInvalid");
  const local = await openCliRuntime({
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    apply: false,
  });
  try {
    const { ctx, config } = local.runtime;
    const ledger = ctx.ledger;
    const changed =
      action === "pause"
        ? await ledger.pauseWrites({
            pausedAt: ctx.now().toISOString(),
            by: options.by ?? userInfo().username,
            reason: options.reason ?? "",
          })
        : action === "resume"
          ? await ledger.resumeWrites()
          : undefined;
    // A resume resolves the pause's ticket: the finding is gone.
    if (action === "resume" && changed !== undefined)
      await ledger.resolveTickets(`cmkr:writes-paused/${changed.pauseId}`, "all", "writes resumed");
    const window = budgetWindow(ctx.now());
    const status = {
      pausedInLedger: (await ledger.writePause()) ?? null,
      pausedBySetting: config.CMKR_WRITES_PAUSED,
      budgetPerHour: config.CMKR_WRITE_BUDGET_PER_HOUR,
      writesThisHour: await ledger.writesCounted(window),
      hour: `${window}:00Z`,
    };
    if (options.json === true) io.out(`${JSON.stringify({ action, ...status }, null, 2)}\n`);
    else {
      const pause = status.pausedInLedger;
      io.out(
        [
          action === "resume" && changed === undefined ? "writes were not paused in the ledger" : "",
          pause === null
            ? "ledger kill switch: off"
            : `ledger kill switch: ON since ${pause.pausedAt} by ${pause.by}${pause.reason === "" ? "" : ` (${pause.reason})`}`,
          `CMKR_WRITES_PAUSED: ${status.pausedBySetting ? "true (every write held)" : "false"}`,
          `writes this hour (${status.hour}): ${status.writesThisHour} of ${status.budgetPerHour}`,
          "",
        ]
          .filter((l, i) => l !== "" || i === 4)
          .join("\n"),
      );
    }
    return exitCodes.ok;
  } finally {
    await local.close();
  }
}

/** Registers `cmkr writes`. */
export function registerWritesCommand(program: Command, io: CliIo, setExit: (code: ExitCode) => void): void {
  program
    .command("writes")
    .description("Pause or resume every write to Azure (the kill switch in the ledger), or show it.")
    .argument("<action>", "pause, resume or status")
    .option("--reason <text>", "why (pause): shown in reports and the ticket")
    .option("--by <name>", "who pauses (default: the local user name)")
    .option("--tenant <file>", "run against the embedded emulator seeded from this tenant file")
    .option("--json", "print the state as JSON", false)
    .action(async (action: string, options: WritesOptions) => {
      setExit(await runWrites(action, options, io));
    });
}
