import { configDefaults, defineConfig } from "vitest/config";

// Workspace packages are tested from their TypeScript sources, as the type-checker reads them.
const conditions = ["source", "node", "import", "default"];

const allTests = ["test/**/*.test.ts", "packages/*/test/**/*.test.ts"];

// The fast tier (`npm run test:fast`): pure tests and tests of the service over the in-memory
// ledger, queue and emulator. Nothing here may need Azurite, start a process or open a socket.
const fastTests = [
  "test/unit/**/*.test.ts",
  "test/conformance/**/*.test.ts",
  "packages/*/test/unit/**/*.test.ts",
];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // `npm test` runs both projects: the whole suite.
    projects: [
      {
        extends: true,
        test: {
          name: "fast",
          include: fastTests,
          // Its files share one module graph per worker: loading the SDKs and zod once per worker
          // instead of once per file is most of its speed. Its tests keep no module state.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: allTests,
          exclude: [...configDefaults.exclude, ...fastTests],
          // One in-memory Azurite for the run, started only when this project has tests to run.
          globalSetup: ["test/support/azuriteSetup.ts"],
        },
      },
    ],
  },
});
