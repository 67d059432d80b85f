import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { cruise, type ICruiseOptions, type IForbiddenRuleType } from "dependency-cruiser";
import { afterAll, describe, expect, it } from "vitest";

const repo = resolve(import.meta.dirname, "../..");
const config = createRequire(import.meta.url)(join(repo, ".dependency-cruiser.cjs")) as {
  forbidden: IForbiddenRuleType[];
  options: ICruiseOptions;
};

// A throwaway tree with the project's folder names, each file breaking (or keeping) one rule.
const tree: Record<string, string> = {
  "tsconfig.json": JSON.stringify({ compilerOptions: { module: "NodeNext", moduleResolution: "NodeNext" } }),
  "package.json": JSON.stringify({ name: "layer-fixture", type: "module" }),
  "src/core/pure.ts": "export const pure = 1;\n",
  "src/core/leaksIo.ts": 'import { write } from "../adapters/storage.js";\nexport const x = write;\n',
  "src/core/cycleA.ts": 'import { b } from "./cycleB.js";\nexport const a = () => b;\n',
  "src/core/cycleB.ts": 'import { a } from "./cycleA.js";\nexport const b = () => a;\n',
  "src/adapters/storage.ts": 'import { pure } from "../core/pure.js";\nexport const write = pure;\n',
  "src/adapters/callsApp.ts": 'import { run } from "../app/run.js";\nexport const y = run;\n',
  "src/app/run.ts": 'import { pure } from "../core/pure.js";\nexport const run = pure;\n',
  "src/app/usesAdapter.ts": 'import { write } from "../adapters/storage.js";\nexport const z = write;\n',
  "src/runtime/wires.ts":
    'import { run } from "../app/run.js";\nimport { write } from "../adapters/storage.js";\nexport const w = [run, write];\n',
  "src/cli/usesAdapter.ts": 'import { write } from "../adapters/storage.js";\nexport const c = write;\n',
  "src/cli/loadsEmulator.ts":
    'export const load = () => import("../../packages/azure-emulator/src/index.js");\n',
  "src/runtime/importsEmulator.ts":
    'import { emulator } from "../../packages/azure-emulator/src/index.js";\nexport const e = emulator;\n',
  "functions/usesAdapter.ts":
    'import { write } from "../src/adapters/storage.js";\nexport const f = write;\n',
  "bench/usesTest.ts": 'import { fixture } from "../test/fixture.js";\nexport const t = fixture;\n',
  "test/fixture.ts": "export const fixture = 1;\n",
  "packages/azure-emulator/src/index.ts":
    'import { pure } from "../../../src/core/pure.js";\nexport const emulator = pure;\n',
};

const root = mkdtempSync(join(tmpdir(), "cmkr-layers-"));
for (const [path, text] of Object.entries(tree)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

async function violations(): Promise<string[]> {
  const result = await cruise(["src", "functions", "bench", "test", "packages"], {
    ...config.options,
    baseDir: root,
    ruleSet: { forbidden: config.forbidden },
    validate: true,
    tsConfig: { fileName: join(root, "tsconfig.json") },
  });
  const output = result.output as {
    summary: { violations: { rule: { name: string }; from: string; to: string }[] };
  };
  return output.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
}

describe("the layer rule (.dependency-cruiser.cjs, run by npm run lint)", () => {
  it("fails each kind of crossing and accepts the allowed imports", async () => {
    const found = await violations();
    expect(found).toEqual(
      [
        "adapters-import-core: src/adapters/callsApp.ts -> src/app/run.ts",
        "app-imports-core: src/app/usesAdapter.ts -> src/adapters/storage.ts",
        "bench-imports-no-test: bench/usesTest.ts -> test/fixture.ts",
        "cli-uses-runtime-app-core: src/cli/usesAdapter.ts -> src/adapters/storage.ts",
        "core-imports-only-core: src/core/leaksIo.ts -> src/adapters/storage.ts",
        "emulator-imports-no-product: packages/azure-emulator/src/index.ts -> src/core/pure.ts",
        "functions-use-runtime-app-core: functions/usesAdapter.ts -> src/adapters/storage.ts",
        "no-circular: src/core/cycleA.ts -> src/core/cycleB.ts",
        "product-loads-emulator-dynamically: src/runtime/importsEmulator.ts -> packages/azure-emulator/src/index.ts",
        "runtime-wires-lower-layers: src/runtime/importsEmulator.ts -> packages/azure-emulator/src/index.ts",
      ].sort(),
    );
  });
});
