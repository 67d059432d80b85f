import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The version of the installed `cmkr` (package.json `version`), found by walking up from this file:
 * the compiled CLI (`dist/src/cli/`) and the sources (`src/cli/`) sit at different depths.
 */
export function packageVersion(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === "cmk-remediation" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // No package.json here (or not ours): look one level up.
    }
    const parent = dirname(dir);
    if (parent === dir) return "unknown";
    dir = parent;
  }
}
