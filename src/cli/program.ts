import { Command } from "commander";
import type { CliIo } from "./cliIo.js";
import { registerEmulatorCommand } from "./commands/emulatorCommand.js";
import { registerHistoryCommand } from "./commands/historyCommand.js";
import { registerMlRecreationKitCommand } from "./commands/mlRecreationKitCommand.js";
import { registerRemediateCommand } from "./commands/remediateCommand.js";
import { registerReplayCommand } from "./commands/replayCommand.js";
import { registerScanCommand } from "./commands/scanCommand.js";
import { registerServeCommand } from "./commands/serveCommand.js";
import { registerWritesCommand } from "./commands/writesCommand.js";
import type { ExitCode } from "./exitCodes.js";
import { packageVersion } from "./packageVersion.js";

/**
 * The `cmkr` command tree. Commander never exits the process itself (`exitOverride`) and writes
 * through `io`, so {@link runCli} decides exit codes and tests can run it in-process.
 */
export function createProgram(io: CliIo, setExit: (code: ExitCode) => void = () => undefined): Command {
  const program = new Command("cmkr")
    .description("Keeps AI and ML data in Azure encrypted with customer-managed keys.")
    .version(packageVersion(), "-V, --version", "print the version of cmkr")
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError("(run with --help for usage)");
  registerEmulatorCommand(program, io);
  registerReplayCommand(program, io, setExit);
  registerRemediateCommand(program, io, setExit);
  registerScanCommand(program, io, setExit);
  registerMlRecreationKitCommand(program, io, setExit);
  registerServeCommand(program, io);
  registerHistoryCommand(program, io, setExit);
  registerWritesCommand(program, io, setExit);
  return program;
}
