import { existsSync } from "node:fs";
import { copyFile, mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Metafile } from "esbuild";
import { azureSdkTracingBridgePlugin } from "./azureSdkTracingBridgePlugin.js";
import { sdkNodeUnusedExportersPlugin } from "./sdkNodeUnusedExportersPlugin.js";
import { zodLocalesPlugin } from "./zodLocalesPlugin.js";

/**
 * The Functions app as one esbuild bundle, in a folder that deploys as is: `main.js` (every
 * function entry point), lazily loaded chunks, `host.json`, and a `package.json` whose `main` is the
 * bundle. No node_modules: everything the app imports is in the bundle, and nothing else (Azurite,
 * the emulator and the CLI are refused).
 *
 * It lives next to the benchmarks because the cold-start benchmark decides whether it is deployed
 * and measures this very output; being TypeScript, it is type-checked and linted with the rest.
 */

/** The project folder: the nearest one above this file with a package.json (source or dist/). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("no package.json above the bundler");
    dir = parent;
  }
  return dir;
}

const root = projectRoot();

/** How to bundle. */
export interface BundleOptions {
  /** Output folder; emptied first. */
  outdir: string;
  /**
   * Lazily imported SDKs in their own chunks (default), or everything in `main.js`. Chunks keep
   * the lazy loading of the SDK clients; one file makes Node parse every SDK at start-up.
   */
  splitting?: boolean;
}

/** What was bundled. */
export interface BundleResult {
  outdir: string;
  /** The file the Functions host loads. */
  main: string;
  /** Every file in the deploy folder, relative to it. */
  files: string[];
  /** npm packages inside the bundle. */
  packages: string[];
}

/** Packages and folders that must never reach the deployed app. */
const forbidden = [/node_modules\/azurite\//, /^src\/emulator\//, /^src\/cli\//, /\.node$/];

// The worker provides @azure/functions-core through `require`, and CommonJS dependencies require
// Node built-ins: an ES module bundle gets a real `require` for both.
const banner =
  'import { createRequire as __cmkrCreateRequire } from "node:module";\n' +
  "const require = __cmkrCreateRequire(import.meta.url);";

/** The sources of package.json "main" (`dist/functions/*.js` -> `functions/*.ts`), sorted. */
export async function functionEntryPoints(): Promise<string[]> {
  const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as { main: string };
  const match = /^dist\/([^*]+)\/\*\.js$/.exec(pkg.main);
  if (match === null)
    throw new Error(`package.json "main" must look like dist/<folder>/*.js, not ${pkg.main}`);
  const folder = match[1] as string;
  const names = (await readdir(path.join(root, folder))).filter((f) => f.endsWith(".ts")).sort();
  return names.map((f) => path.join(root, folder, f));
}

function packagesOf(metafile: Metafile): string[] {
  const names = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const parts = input.split("node_modules/");
    const last = parts.at(-1);
    if (parts.length < 2 || last === undefined) continue;
    const segments = last.split("/");
    names.add(last.startsWith("@") ? `${segments[0]}/${segments[1]}` : (segments[0] as string));
  }
  return [...names].sort();
}

/** Bundles the function entry points (and telemetry start-up, first) into a deployable folder. */
export async function bundleApp(options: BundleOptions): Promise<BundleResult> {
  const outdir = path.resolve(options.outdir);
  await rm(outdir, { recursive: true, force: true });
  await mkdir(outdir, { recursive: true });
  const entries = [path.join(root, "src/runtime/telemetryStartup.ts"), ...(await functionEntryPoints())];
  const result = await build({
    stdin: {
      contents: entries.map((e) => `import ${JSON.stringify(e)};`).join("\n"),
      resolveDir: root,
      sourcefile: "main.ts",
      loader: "ts",
    },
    absWorkingDir: root,
    bundle: true,
    platform: "node",
    // ES module builds first for packages without "exports" (OpenTelemetry): esbuild can then drop
    // what the app never uses, which CommonJS builds do not allow.
    mainFields: ["module", "main"],
    format: "esm",
    target: "node22",
    minify: true,
    splitting: options.splitting ?? true,
    outdir,
    entryNames: "main",
    chunkNames: "chunks/[name]-[hash]",
    // Provided by the Functions worker at run time; it is not an npm package.
    external: ["@azure/functions-core"],
    banner: { js: banner },
    legalComments: "linked",
    metafile: true,
    logLevel: "error",
    plugins: [azureSdkTracingBridgePlugin, sdkNodeUnusedExportersPlugin, zodLocalesPlugin],
  });
  const bad = Object.keys(result.metafile.inputs).filter((i) => forbidden.some((f) => f.test(i)));
  if (bad.length > 0) throw new Error(`the function app bundle must not contain: ${bad.join(", ")}`);

  const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
    name: string;
    version: string;
    description: string;
  };
  await writeFile(
    path.join(outdir, "package.json"),
    JSON.stringify(
      { name: pkg.name, version: pkg.version, description: pkg.description, type: "module", main: "main.js" },
      null,
      2,
    ) + "\n",
  );
  await copyFile(path.join(root, "host.json"), path.join(outdir, "host.json"));
  return {
    outdir,
    main: path.join(outdir, "main.js"),
    files: await listFiles(outdir),
    packages: packagesOf(result.metafile),
  };
}

/** Every file under `dir`, relative to it, sorted. */
export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
  return files.sort();
}

async function main(): Promise<void> {
  const outdir = path.join(root, "dist-app");
  const bundled = await bundleApp({ outdir });
  let bytes = 0;
  for (const f of bundled.files) bytes += (await stat(path.join(outdir, f))).size;
  console.log(
    `dist-app/: ${bundled.files.length} files, ${(bytes / 1024).toFixed(0)} KiB, ` +
      `${bundled.packages.length} packages bundled; deploy this folder (package.json "main": "main.js").`,
  );
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
