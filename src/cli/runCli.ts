import { CommanderError } from "commander";
import { CliError, errorLine } from "./cliError.js";
import { processIo, type CliIo } from "./cliIo.js";
import { exitCodes, type ExitCode } from "./exitCodes.js";
import { createProgram } from "./program.js";

/**
 * Runs `cmkr` with `argv` (as `process.argv`: node, script, arguments) and returns the exit code:
 * 0 done, 1 failed, 2 usage error. Errors are printed as one `error:` line, without stack traces.
 */
export async function runCli(argv: readonly string[], io: CliIo = processIo): Promise<ExitCode> {
  // Commands that finish with failed or refused actions report exit code 1 through this.
  let exit: ExitCode = exitCodes.ok;
  const program = createProgram(io, (code) => {
    exit = code;
  });
  try {
    await program.parseAsync([...argv]);
    return exit;
  } catch (error) {
    // Commander has already printed its message (or the help) through io.
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.usage;
    io.err(`${errorLine(error)}\n`);
    return error instanceof CliError ? error.exitCode : exitCodes.failure;
  }
}
