import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { cpus, loadavg } from "node:os";
import path from "node:path";
import { startAzurite } from "@cmkr/azure-emulator";
import { projectRoot } from "./bundleApp.js";
import { coldStart } from "./coldStartBench.js";
import { keyEventFanOut, keyEventStaged10k } from "./keyEventFanOutBench.js";
import { packageSize } from "./packageSizeBench.js";
import { reportRendering } from "./reportBench.js";
import { planAndEnqueue, requestsPerRotationEvent, type Figure } from "./rotationBench.js";
import { rotationAtArmRates } from "./throttledRotationBench.js";
import { triageExtraCost, triageThroughput } from "./triageBench.js";
import { sweepScaling } from "./sweepBench.js";

/** What a benchmark gets: Azurite's connection string, started once for the run. */
interface BenchContext {
  storage(): Promise<string>;
}

/** One registered benchmark: the names of the figures it returns, in order, and how to run it. */
interface Bench {
  ids: string[];
  run(ctx: BenchContext): Promise<Figure[]> | Figure[];
}

/**
 * Every benchmark, in the order `npm run bench` runs them. A benchmark returns `Figure[]`; its
 * figures are named by `Figure.id`, else by `ids` in order. New benchmarks register here.
 */
const benches: Bench[] = [
  {
    ids: ["plan.requestsPerRotationEvent"],
    run: async (ctx) => [await requestsPerRotationEvent(await ctx.storage())],
  },
  { ids: ["plan.enqueue10k"], run: async (ctx) => [await planAndEnqueue(await ctx.storage())] },
  {
    ids: [
      "keyEvent10k.answerSeconds",
      "redelivery10k.seconds",
      "keyEvent100k.answerSeconds",
      "keyEvent100k.queuedSeconds",
    ],
    run: async (ctx) => keyEventFanOut(await ctx.storage()),
  },
  {
    ids: ["keyEventStaged10k.answerSeconds", "keyEventStaged10k.planningSeconds"],
    run: async (ctx) => keyEventStaged10k(await ctx.storage()),
  },
  { ids: ["triage.extraCostRatio"], run: () => [triageExtraCost()] },
  { ids: ["triage.throughput"], run: () => [triageThroughput()] },
  {
    ids: ["rotation.writeBucketUse", "rotation.failed", "rotation.readBucketUse"],
    run: async (ctx) => rotationAtArmRates(await ctx.storage()),
  },
  {
    ids: ["sweep.peakMemoryRatio", "sweep.timeRatio"],
    run: async (ctx) => sweepScaling(await ctx.storage()),
  },
  { ids: ["report.json", "report.csv", "report.table", "report.html"], run: () => reportRendering() },
  {
    ids: ["coldStart.lazy", "coldStart.bundle", "coldStart.telemetry", "coldStart.ratio"],
    run: () => coldStart(),
  },
  { ids: ["packageSize"], run: async () => [await packageSize()] },
];

/** `--only a,b`: figure names, or prefixes ending at a dot (`rotation` runs every `rotation.*`). */
function parseOnly(argv: string[]): string[] | undefined {
  const at = argv.findIndex((a) => a === "--only" || a.startsWith("--only="));
  if (at < 0) return undefined;
  const arg = argv[at] ?? "";
  const value = arg.includes("=") ? arg.slice(arg.indexOf("=") + 1) : argv[at + 1];
  const names = (value ?? "")
    .split(",")
    .map((n) => n.trim())
    .filter((n) => n !== "");
  if (names.length === 0) throw new Error("--only needs a comma-separated list of figure names");
  const known = benches.flatMap((b) => b.ids);
  const unknown = names.filter((n) => !known.some((id) => id === n || id.startsWith(`${n}.`)));
  if (unknown.length > 0)
    throw new Error(`--only: no figure named ${unknown.join(", ")}; figures: ${known.join(", ")}`);
  return names;
}

const wanted = (bench: Bench, only: string[] | undefined): boolean =>
  only === undefined || bench.ids.some((id) => only.some((n) => id === n || id.startsWith(`${n}.`)));

function print(f: Figure): void {
  const fmt = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(2));
  console.log(`\n${f.id ?? ""}  ${f.name}${f.failed === true ? "  ** FAILED **" : ""}`);
  console.log(`  measured: ${fmt(f.value)} ${f.unit}`);
  console.log(`  baseline: ${fmt(f.baseline)} ${f.unit} (${f.baselineName})`);
  console.log(`  ratio:    ${f.ratio.toFixed(2)}`);
  console.log(`  ${f.note}`);
}

/** One line of `bench/results.json`; `failed` only on a figure that failed. */
interface Result {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  ratio: number;
  failed?: true;
}

const round = (n: number): number => (Number.isFinite(n) ? Number(n.toPrecision(6)) : n);

/**
 * Merges this run's figures into `bench/results.json` by name: a run of a subset (`--only`)
 * replaces its own figures and keeps the others from earlier runs.
 */
async function writeResults(figures: Figure[]): Promise<string> {
  const file = path.join(projectRoot(), "bench", "results.json");
  const previous: Result[] = existsSync(file) ? (JSON.parse(await readFile(file, "utf8")) as Result[]) : [];
  const fresh = new Map(
    figures.map((f): [string, Result] => [
      f.id ?? f.name,
      {
        name: f.id ?? f.name,
        value: round(f.value),
        unit: f.unit,
        baseline: round(f.baseline),
        ratio: round(f.ratio),
        ...(f.failed === true ? { failed: true as const } : {}),
      },
    ]),
  );
  const order = benches.flatMap((b) => b.ids);
  const merged = [...previous.filter((r) => !fresh.has(r.name)), ...fresh.values()].sort(
    (a, b) =>
      (order.indexOf(a.name) + 1 || order.length + 1) - (order.indexOf(b.name) + 1 || order.length + 1),
  );
  await writeFile(file, `${JSON.stringify(merged, null, 2)}\n`);
  return file;
}

/**
 * Runs every benchmark (or those `--only` names), prints each figure against a baseline measured
 * in the same run, and writes the figures to `bench/results.json`. Exits 1 when a figure failed.
 */
async function main(): Promise<void> {
  const only = parseOnly(process.argv.slice(2));
  let azurite: Awaited<ReturnType<typeof startAzurite>> | undefined;
  const ctx: BenchContext = {
    storage: async () => (azurite ??= await startAzurite()).connectionString,
  };
  const figures: Figure[] = [];
  try {
    const [one, five, fifteen] = loadavg();
    console.log(
      `Benchmarks on Node ${process.version}, ${cpus().length} CPUs, load average ` +
        `${one?.toFixed(2)} ${five?.toFixed(2)} ${fifteen?.toFixed(2)}`,
    );
    for (const bench of benches) {
      if (!wanted(bench, only)) continue;
      const out = await bench.run(ctx);
      out.forEach((figure, i) => {
        const named = { ...figure, id: figure.id ?? bench.ids[i] ?? `${bench.ids[0] ?? "figure"}.${i}` };
        figures.push(named);
        print(named);
      });
    }
  } finally {
    await azurite?.stop();
  }
  const file = await writeResults(figures);
  const [one] = loadavg();
  console.log(`\n${figures.length} figures written to ${file}; load average now ${one?.toFixed(2)}`);
  const failed = figures.filter((f) => f.failed === true);
  if (failed.length > 0) {
    console.error(`FAILED: ${failed.map((f) => f.id).join(", ")}`);
    process.exitCode = 1;
  }
}

await main();
