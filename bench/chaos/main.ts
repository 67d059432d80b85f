import { startAzurite } from "@cmkr/azure-emulator";
import { formatChaosResult } from "./formatChaosResult.js";
import { runChaos } from "./runChaos.js";
import type { ChaosSize } from "./chaosTenant.js";

/** Command-line options of `npm run chaos`. */
interface ChaosArgs {
  seed: number;
  seeds: number;
  size: ChaosSize;
}

function parseArgs(argv: readonly string[]): ChaosArgs {
  const args: ChaosArgs = { seed: 1, seeds: 1, size: "small" };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    const value = argv[i + 1];
    if (name === "--seed" || name === "--seeds") {
      const n = Number(value);
      if (!Number.isSafeInteger(n) || n < (name === "--seed" ? 0 : 1))
        throw new RangeError(
          `${name} expects a ${name === "--seed" ? "non-negative" : "positive"} integer, got ${value ?? "nothing"}`,
        );
      if (name === "--seed") args.seed = n;
      else args.seeds = n;
      i++;
    } else if (name === "--size") {
      if (value !== "small" && value !== "large")
        throw new RangeError(`--size expects small or large, got ${value ?? "nothing"}`);
      args.size = value;
      i++;
    } else {
      throw new RangeError(`unknown option ${name ?? ""}; use --seed N, --seeds COUNT, --size small|large`);
    }
  }
  return args;
}

/**
 * `npm run chaos -- --seed N [--seeds COUNT] [--size small|large]`: runs seeds N..N+COUNT-1 against
 * the emulator and an in-memory Azurite, prints each run's figures and violations, and exits 1
 * when any invariant broke (rerun that seed to replay it).
 */
async function main(): Promise<number> {
  let args: ChaosArgs;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (error) {
    console.error((error as Error).message);
    return 2;
  }
  const azurite = await startAzurite();
  let failed = 0;
  try {
    for (let seed = args.seed; seed < args.seed + args.seeds; seed++) {
      const result = await runChaos({
        seed,
        size: args.size,
        storageConnectionString: azurite.connectionString,
      });
      console.log(formatChaosResult(result));
      if (result.violations.length > 0) failed++;
    }
  } finally {
    await azurite.stop();
  }
  if (args.seeds > 1) console.log(`\n${args.seeds - failed} of ${args.seeds} seeds kept every invariant`);
  return failed > 0 ? 1 : 0;
}

process.exitCode = await main();
