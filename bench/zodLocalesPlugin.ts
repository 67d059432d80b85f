import path from "node:path";
import type { Plugin } from "esbuild";

const namespace = "cmkr-zod-locales";

/**
 * zod 4 re-exports every message locale as `z.locales` and `z.core.locales` (about 50 of them), so a bundle that uses
 * `z` carries them all, about 300 KB of `main.js` compiled at every cold start. The app never
 * reads `z.locales`; zod itself configures English from `locales/en.js` directly. This plugin
 * gives the bundle both with English only. `test/integration/functionsBundleTelemetry.test.ts`
 * checks that the sources use no other locale.
 */
export const zodLocalesPlugin: Plugin = {
  name: "zod-locales",
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, (args) =>
      /[\\/]node_modules[\\/]zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/.test(args.importer)
        ? { path: path.join(path.dirname(args.importer), "..", "locales", "en.js"), namespace }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace }, (args) => ({
      loader: "js",
      resolveDir: path.dirname(args.path),
      contents: `export { default as en } from ${JSON.stringify(args.path)};\n`,
    }));
  },
};
