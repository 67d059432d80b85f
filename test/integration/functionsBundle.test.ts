import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleApp, projectRoot, type BundleResult } from "../../bench/bundleApp.js";
import { probe } from "../../bench/hostProbe.js";

const root = projectRoot();
const node22 = path.join(root, ".ci/node22/node_modules/.bin/node");

/** Function names registered in the sources: `app.<trigger>("name", ...)` in functions/*.ts. */
async function declaredFunctions(): Promise<string[]> {
  const dir = path.join(root, "functions");
  const names: string[] = [];
  for (const file of await readdir(dir)) {
    if (!file.endsWith(".ts")) continue;
    const source = await readFile(path.join(dir, file), "utf8");
    for (const m of source.matchAll(/\bapp\.\w+\(\s*"([^"]+)"/g)) names.push(m[1] as string);
  }
  return names.sort();
}

describe("function app bundle", () => {
  let tmp: string;
  let bundle: BundleResult;

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), "cmkr-bundle-test-"));
    bundle = await bundleApp({ outdir: path.join(tmp, "app") });
  });

  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("registers every function the sources declare, with its bindings, when the worker loads it", async () => {
    const declared = await declaredFunctions();
    expect(declared.length).toBeGreaterThan(0);
    const loaded = await probe({ entryPoints: [bundle.main], cwd: tmp, env: { PATH: process.env.PATH } });
    expect(loaded.registrations.map((r) => r.name).sort()).toEqual(declared);
    for (const r of loaded.registrations) {
      expect(r.bindings.some((b) => b.endsWith("Trigger:in"))).toBe(true);
    }
    // Telemetry is off without a connection string: no hooks, no OpenTelemetry capability.
    expect(loaded.hooks).toEqual([]);
    expect(loaded.capabilities).not.toHaveProperty("WorkerOpenTelemetryEnabled");
  });

  it.skipIf(!existsSync(node22))("loads and registers every function on Node.js 22", async () => {
    const loaded = await probe({ entryPoints: [bundle.main], cwd: tmp, node: node22, env: {} });
    expect(loaded.registrations.map((r) => r.name).sort()).toEqual(await declaredFunctions());
  });

  it("is a deploy folder of its own: host.json, a package.json pointing at the bundle, no node_modules", async () => {
    const pkg = JSON.parse(await readFile(path.join(bundle.outdir, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    expect(pkg).toMatchObject({ type: "module", main: "main.js" });
    expect(pkg).not.toHaveProperty("dependencies");
    expect(await readFile(path.join(bundle.outdir, "host.json"), "utf8")).toBe(
      await readFile(path.join(root, "host.json"), "utf8"),
    );
    expect(bundle.files).toContain("main.js");
    expect(bundle.files.filter((f) => f.startsWith("node_modules/"))).toEqual([]);
    expect(
      bundle.files.every((f) => /^(main\.js|chunks\/|host\.json|package\.json|.*\.LEGAL\.txt$)/.test(f)),
    ).toBe(true);
  });

  it("leaves Azurite out and carries the SDKs and telemetry packages the app imports", () => {
    expect(bundle.packages).not.toContain("azurite");
    for (const p of [
      "@azure/functions",
      "@azure/arm-compute",
      "@azure/keyvault-keys",
      "@azure/monitor-opentelemetry",
    ]) {
      expect(bundle.packages).toContain(p);
    }
  });
});
