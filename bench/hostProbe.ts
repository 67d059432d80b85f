import { spawn } from "node:child_process";
import { pathToFileURL } from "node:url";

/** One function registration, as the Functions worker receives it. */
export interface Registration {
  name: string;
  /** `type:direction` of each binding, sorted. */
  bindings: string[];
}

/** What a fresh Node.js process saw while loading the app. */
export interface ProbeResult {
  /** Time to import every entry point (and the eager packages), in ms. */
  loadMs: number;
  registrations: Registration[];
  /** Names of the lifecycle hooks registered (the telemetry instrumentation adds some). */
  hooks: string[];
  /** Capabilities the programming model reports to the host after start-up. */
  capabilities: Record<string, string>;
}

/** What to load in the fresh process. */
export interface ProbeOptions {
  /** Entry point files, imported in order as the worker imports package.json "main". */
  entryPoints: string[];
  /** Packages imported right after the entry points (the eager-loading baseline). */
  eagerPackages?: string[];
  /** Environment of the process (default: this one's). */
  env?: NodeJS.ProcessEnv;
  /** Working directory; bare package names resolve from here. */
  cwd: string;
  /** The Node.js executable (default: this process's). */
  node?: string;
}

/**
 * The probe stands in for the Azure Functions Node.js worker: like the worker, it answers
 * `require("@azure/functions-core")` with a core API (recording `registerFunction` instead of
 * talking to the host), then imports each entry point and reports the registrations.
 */
function probeSource(options: ProbeOptions): string {
  const entries = JSON.stringify(options.entryPoints.map((f) => pathToFileURL(f).href));
  const eager = JSON.stringify(options.eagerPackages ?? []);
  return `
import Module from "node:module";
const registrations = [];
const hooks = [];
let model;
const disposable = { dispose() {} };
const coreApi = {
  version: "probe",
  hostVersion: "4.0.0",
  registerHook(name) { hooks.push(name); return disposable; },
  setProgrammingModel(m) { model = m; },
  getProgrammingModel() { return model; },
  registerFunction(metadata) {
    const bindings = Object.values(metadata.bindings ?? {}).map((b) => b.type + ":" + b.direction).sort();
    registrations.push({ name: metadata.name, bindings });
    return disposable;
  },
  Disposable: class { constructor(fn) { this.fn = fn; } dispose() { this.fn?.(); } },
};
Module.prototype.require = new Proxy(Module.prototype.require, {
  apply(target, self, args) {
    return args[0] === "@azure/functions-core" ? coreApi : Reflect.apply(target, self, args);
  },
});
const start = performance.now();
for (const entry of ${entries}) await import(entry);
for (const name of ${eager}) await import(name);
const loadMs = performance.now() - start;
const capabilities = model === undefined ? {} : await model.getCapabilities({});
process.stdout.write("\\n@@probe " + JSON.stringify({ loadMs, registrations, hooks, capabilities }) + "\\n");
process.exit(0);
`;
}

/** Loads the entry points in a fresh `node` process and reports load time and registrations. */
export function probe(options: ProbeOptions): Promise<ProbeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.node ?? process.execPath,
      ["--input-type=module", "-e", probeSource(options)],
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const line = out.split("\n").find((l) => l.startsWith("@@probe "));
      if (code !== 0 || line === undefined) {
        reject(new Error(`probe exited with ${String(code)}: ${err.trim() || out.trim()}`));
        return;
      }
      resolve(JSON.parse(line.slice("@@probe ".length)) as ProbeResult);
    });
  });
}
