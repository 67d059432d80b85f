import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { deflateRawSync } from "node:zlib";
import { bundleApp, listFiles, projectRoot } from "./bundleApp.js";
import type { Figure } from "./rotationBench.js";

const root = projectRoot();

/** Packages the function app does not run: the local Storage emulator is for tests and the CLI. */
const notDeployed = new Set(["azurite"]);

interface LockEntry {
  dev?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/**
 * The production dependency tree as installed (package-lock.json), without Azurite and what only
 * Azurite needs: package folders relative to the project root, resolved as Node resolves them.
 */
async function productionPackages(): Promise<string[]> {
  const lock = JSON.parse(await readFile(path.join(root, "package-lock.json"), "utf8")) as {
    packages: Record<string, LockEntry>;
  };
  const pkg = JSON.parse(await readFile(path.join(root, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const resolve = (name: string, from: string): string | undefined => {
    // Walk up from the requiring package's folder, as Node's resolution does.
    let dir = from;
    for (;;) {
      const candidate = dir === "" ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (lock.packages[candidate] !== undefined) return candidate;
      if (dir === "") return undefined;
      const i = dir.lastIndexOf("/node_modules/");
      dir = i < 0 ? "" : dir.slice(0, i);
    }
  };
  const seen = new Set<string>();
  const queue: [string, string][] = Object.keys(pkg.dependencies)
    .filter((n) => !notDeployed.has(n))
    .map((n) => [n, ""]);
  for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
    const [name, from] = item;
    const at = resolve(name, from);
    if (at === undefined || seen.has(at)) continue;
    seen.add(at);
    const entry = lock.packages[at] as LockEntry;
    for (const deps of [entry.dependencies, entry.optionalDependencies, entry.peerDependencies]) {
      for (const dep of Object.keys(deps ?? {})) queue.push([dep, at]);
    }
  }
  return [...seen].sort();
}

/** Size of `files` (relative to `base`) on disk and as a zip archive (deflate, as zip does). */
async function sizes(
  base: string,
  files: string[],
): Promise<{ files: number; bytes: number; zipBytes: number }> {
  let bytes = 0;
  // End-of-central-directory record.
  let zipBytes = 22;
  for (const f of files) {
    const data = await readFile(path.join(base, f));
    bytes += data.length;
    const name = Buffer.byteLength(f);
    // Local header (30) and central directory entry (46), each with the name; stored if smaller.
    zipBytes += 76 + 2 * name + Math.min(data.length, deflateRawSync(data).length);
  }
  return { files: files.length, bytes, zipBytes };
}

/** Files of one package folder, without its nested node_modules (counted as packages themselves). */
async function packageFiles(dir: string): Promise<string[]> {
  const files = await listFiles(path.join(root, dir));
  return files.filter((f) => !f.startsWith("node_modules/")).map((f) => `${dir}/${f}`);
}

const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MiB`;

/**
 * Deployed package size: the unbundled app (package.json, host.json, the tsc output under dist/
 * without the benchmarks, and the production node_modules without Azurite) against the bundle
 * folder. The zip size is what is uploaded and unpacked at deployment.
 */
export async function packageSize(): Promise<Figure> {
  const bundle = await bundleApp({ outdir: path.join(root, "dist-app") });
  const built = (await listFiles(path.join(root, "dist")))
    .filter((f) => !f.startsWith("bench/"))
    .map((f) => `dist/${f}`);
  const modules: string[] = [];
  const packages = await productionPackages();
  for (const dir of packages) {
    if ((await stat(path.join(root, dir)).catch(() => undefined)) === undefined) continue;
    modules.push(...(await packageFiles(dir)));
  }
  const plain = await sizes(root, ["package.json", "host.json", ...built, ...modules]);
  const bundled = await sizes(bundle.outdir, bundle.files);
  return {
    name: "Deployed package size: esbuild bundle folder (dist-app/)",
    value: bundled.zipBytes / 1024 / 1024,
    unit: "MiB zipped",
    baseline: plain.zipBytes / 1024 / 1024,
    baselineName: `dist/ + production node_modules (${packages.length} packages, without Azurite)`,
    ratio: bundled.zipBytes / plain.zipBytes,
    note:
      `bundle: ${bundled.files} files, ${mib(bundled.bytes)} unpacked, ${mib(bundled.zipBytes)} zipped; ` +
      `unbundled: ${plain.files} files, ${mib(plain.bytes)} unpacked, ${mib(plain.zipBytes)} zipped ` +
      `(lower ratio is better).`,
  };
}
