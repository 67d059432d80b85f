import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { bundleApp, projectRoot, type BundleResult } from "./bundleApp.js";
import { probe, type ProbeResult } from "./hostProbe.js";
import type { Figure } from "./rotationBench.js";

const root = projectRoot();

/** Fresh processes per variant; the median and p90 are reported. */
const runs = Number(process.env.BENCH_COLD_START_RUNS ?? 15);

// A syntactically valid connection string whose endpoints are a closed loopback port: the
// exporter starts as in Azure, and nothing leaves the machine (the probe exits right after loading).
const telemetryEnv: NodeJS.ProcessEnv = {
  APPLICATIONINSIGHTS_CONNECTION_STRING:
    "InstrumentationKey=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0;IngestionEndpoint=http://127.0.0.1:9/;" +
    "LiveEndpoint=http://127.0.0.1:9/",
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING:
    "Authorization=AAD;ClientId=11111111-2222-4333-8444-555555555555",
  APPLICATIONINSIGHTS_STATSBEAT_DISABLED: "true",
};

/** The tsc output the Functions host would load: package.json "main", expanded like its glob. */
async function tscEntryPoints(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { main: string };
  const match = /^(.+)\/\*\.js$/.exec(pkg.main);
  if (match === null) throw new Error(`unexpected package.json "main": ${pkg.main}`);
  const dir = path.join(root, match[1] as string);
  return (await readdir(dir))
    .filter((f) => f.endsWith(".js"))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Azure SDK client packages in the bundle: what the eager baseline imports up front. */
function sdkPackages(bundle: BundleResult): string[] {
  const notClients = /^@azure\/(functions|monitor-|core-|abort-controller|logger|opentelemetry-|msal-)/;
  return bundle.packages.filter((p) => p.startsWith("@azure/") && !notClients.test(p));
}

/**
 * Every lazily loaded chunk of the bundle, as file URLs: what the first invocations import on top of
 * `main.js` (the SDK clients, loaded on first use).
 */
function firstUseChunks(bundle: BundleResult): string[] {
  return bundle.files
    .filter((f) => f.endsWith(".js") && path.resolve(bundle.outdir, f) !== path.resolve(bundle.main))
    .sort()
    .map((f) => pathToFileURL(path.resolve(bundle.outdir, f)).href);
}

function quantile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i] as number;
}

interface Variant {
  name: string;
  entryPoints: string[];
  eagerPackages?: string[];
  telemetry?: boolean;
  samples: number[];
  first?: ProbeResult;
}

function stats(v: Variant): { median: number; p90: number } {
  const sorted = [...v.samples].sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p90: quantile(sorted, 0.9) };
}

function signature(r: ProbeResult): string {
  return JSON.stringify([...r.registrations].sort((a, b) => a.name.localeCompare(b.name)));
}

/**
 * Cold start of the function app: the time a fresh Node.js process takes to import every function
 * entry point, as the Functions worker does, until all functions are registered. Variants:
 * tsc output with lazily loaded SDK clients (as shipped), the same plus every Azure SDK package
 * imported eagerly (the baseline), the esbuild bundle (split and single-file), and the tsc output
 * and bundle with telemetry on. Each variant must register the same functions.
 */
export async function coldStart(): Promise<Figure[]> {
  const tmp = await mkdtemp(path.join(tmpdir(), "cmkr-bundle-"));
  try {
    const bundle = await bundleApp({ outdir: path.join(root, "dist-app") });
    const single = await bundleApp({ outdir: path.join(tmp, "single"), splitting: false });
    const tsc = await tscEntryPoints();
    const eager = sdkPackages(bundle);
    const variants: Variant[] = [
      { name: "lazy", entryPoints: tsc, samples: [] },
      { name: "eager", entryPoints: tsc, eagerPackages: eager, samples: [] },
      { name: "bundle", entryPoints: [bundle.main], samples: [] },
      { name: "single", entryPoints: [single.main], samples: [] },
      { name: "lazyTelemetry", entryPoints: tsc, telemetry: true, samples: [] },
      { name: "bundleTelemetry", entryPoints: [bundle.main], telemetry: true, samples: [] },
      // The headline pair: what a first invocation costs, everything it may load, telemetry on both.
      { name: "eagerTelemetry", entryPoints: tsc, eagerPackages: eager, telemetry: true, samples: [] },
      {
        name: "bundleTelemetryChunks",
        entryPoints: [bundle.main],
        eagerPackages: firstUseChunks(bundle),
        telemetry: true,
        samples: [],
      },
    ];
    // Round-robin, so drift in machine load spreads over every variant alike.
    for (let i = 0; i < runs; i++) {
      for (const v of variants) {
        const env = { ...process.env, ...(v.telemetry === true ? telemetryEnv : {}) };
        if (v.telemetry !== true) delete env.APPLICATIONINSIGHTS_CONNECTION_STRING;
        const result = await probe({
          entryPoints: v.entryPoints,
          ...(v.eagerPackages === undefined ? {} : { eagerPackages: v.eagerPackages }),
          env,
          cwd: root,
        });
        v.first ??= result;
        v.samples.push(result.loadMs);
      }
    }
    const [lazy, eagerV, bundled, singleV, lazyTel, bundleTel, eagerTel, chunksTel] = variants as [
      Variant,
      Variant,
      Variant,
      Variant,
      Variant,
      Variant,
      Variant,
      Variant,
    ];
    const expected = signature(lazy.first as ProbeResult);
    for (const v of variants) {
      const seen = v.first as ProbeResult;
      if (signature(seen) !== expected) {
        throw new Error(`${v.name} registers other functions than the tsc output: ${signature(seen)}`);
      }
      if (v.telemetry === true && seen.capabilities.WorkerOpenTelemetryEnabled !== "true") {
        throw new Error(`${v.name}: telemetry did not start (no WorkerOpenTelemetryEnabled capability)`);
      }
    }
    const s = Object.fromEntries(variants.map((v) => [v.name, stats(v)])) as Record<
      string,
      { median: number; p90: number }
    >;
    const fmt = (v: Variant): string => {
      const { median, p90 } = stats(v);
      return `median ${median.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms`;
    };
    const functions = (lazy.first as ProbeResult).registrations.length;
    const lazyS = s.lazy as { median: number };
    const eagerS = s.eager as { median: number };
    const bundleS = s.bundle as { median: number };
    const singleS = s.single as { median: number };
    const lazyTelS = s.lazyTelemetry as { median: number };
    const bundleTelS = s.bundleTelemetry as { median: number };
    const eagerTelS = s.eagerTelemetry as { median: number };
    const chunksTelS = s.bundleTelemetryChunks as { median: number };
    return [
      {
        name: `Cold start: load the ${functions} function entry points (tsc output, SDK clients loaded on first use)`,
        value: lazyS.median,
        unit: "ms (median)",
        baseline: eagerS.median,
        baselineName: `same entry points plus eager import of ${eager.length} Azure SDK packages`,
        ratio: lazyS.median / eagerS.median,
        note:
          `${runs} fresh node processes each; lazy ${fmt(lazy)}; eager ${fmt(eagerV)}; ` +
          `eager/lazy = ${(eagerS.median / lazyS.median).toFixed(2)} (lower ratio is better).`,
      },
      {
        name: "Cold start: esbuild bundle (dist-app/, SDK chunks loaded on first use)",
        value: bundleS.median,
        unit: "ms (median)",
        baseline: lazyS.median,
        baselineName: "tsc output with lazy SDK clients",
        ratio: bundleS.median / lazyS.median,
        note:
          `bundle ${fmt(bundled)}; single-file bundle ${fmt(singleV)} ` +
          `(${(singleS.median / lazyS.median).toFixed(2)} of tsc); bundle/eager = ` +
          `${(bundleS.median / eagerS.median).toFixed(2)}; all ${functions} functions registered by every variant.`,
      },
      {
        name: "Cold start with telemetry on (Azure Monitor OpenTelemetry + Functions instrumentation), bundle",
        value: bundleTelS.median,
        unit: "ms (median)",
        baseline: bundleS.median,
        baselineName: "bundle with telemetry off",
        ratio: bundleTelS.median / bundleS.median,
        note:
          `bundle+telemetry ${fmt(bundleTel)} (+${(bundleTelS.median - bundleS.median).toFixed(0)} ms); ` +
          `tsc+telemetry ${fmt(lazyTel)} (${(lazyTelS.median / lazyS.median).toFixed(2)} of tsc without); ` +
          `bundle+telemetry/tsc+telemetry = ${(bundleTelS.median / lazyTelS.median).toFixed(2)}.`,
      },
      {
        id: "coldStart.ratio",
        name: "Cold start, bundle with every first-use chunk loaded, telemetry on, vs eager import",
        value: chunksTelS.median,
        unit: "ms (median)",
        baseline: eagerTelS.median,
        baselineName: `tsc output plus eager import of ${eager.length} Azure SDK packages, telemetry on`,
        ratio: chunksTelS.median / eagerTelS.median,
        note:
          `bundle+chunks+telemetry ${fmt(chunksTel)}; eager+telemetry ${fmt(eagerTel)}; every chunk a ` +
          `first invocation could load is imported (an upper bound: one function loads only its own).`,
      },
    ];
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
