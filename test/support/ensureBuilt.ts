import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

const repo = resolve(import.meta.dirname, "../..");
/** The compiled `cmkr` (package.json "bin"). */
export const cliPath = join(repo, "dist/src/cli/main.js");
/** The compiled emulator the CLI loads for `--tenant` (its package's "default" export). */
const emulatorPath = join(repo, "packages/azure-emulator/dist/index.js");
const lockDir = join(repo, "node_modules/.cache/cmkr-build.lock");

function newest(dir: string): number {
  if (!existsSync(dir)) return 0;
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) time = Math.max(time, newest(path));
    else if (/\.(ts|json)$/.test(entry.name)) time = Math.max(time, statSync(path).mtimeMs);
  }
  return time;
}

function builtAt(path: string): number {
  return existsSync(path) ? statSync(path).mtimeMs : 0;
}

function stale(): boolean {
  return (
    builtAt(emulatorPath) < newest(join(repo, "packages/azure-emulator/src")) ||
    builtAt(cliPath) < Math.max(...["src", "functions", "bench"].map((d) => newest(join(repo, d))))
  );
}

async function lock(): Promise<void> {
  mkdirSync(join(lockDir, ".."), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      // A lock left by a killed run is taken over after five minutes.
      const held = statSync(lockDir, { throwIfNoEntry: false });
      if (held !== undefined && Date.now() - held.mtimeMs > 300_000) {
        rmSync(lockDir, { recursive: true, force: true });
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function tsc(project: string): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", project], {
      cwd: repo,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.stderr.on("data", (c: Buffer) => (output += c.toString("utf8")));
    child.on("close", (code) => {
      done({ code, output });
    });
  });
}

/**
 * Makes sure `dist/` holds a build of the current sources, so the CLI tests run the compiled
 * `cmkr` as users do, also from a clean clone. Builds (the emulator package, then
 * `tsc -p tsconfig.build.json`: what `npm run build` runs) only when the output is missing or older
 * than a source file; test files
 * running at once share one build through a lock directory. Type errors are the typecheck's to
 * report: they fail here only when the build wrote no new output.
 */
export async function ensureBuilt(): Promise<string> {
  if (!stale()) return cliPath;
  await lock();
  try {
    if (stale()) {
      for (const [project, output] of [
        ["packages/azure-emulator/tsconfig.build.json", emulatorPath],
        ["tsconfig.build.json", cliPath],
      ] as const) {
        const started = Date.now();
        const build = await tsc(project);
        if (builtAt(output) < started - 1000) {
          throw new Error(`the build did not write ${output}:\n${build.output}`);
        }
      }
    }
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
  return cliPath;
}
