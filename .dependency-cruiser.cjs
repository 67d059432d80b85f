// The layer rule of docs/architecture.md, enforced by `npm run lint`:
// core imports only core; app imports core; adapters import core; report imports core; runtime wires
// app, adapters and core; cli and functions use runtime, app, core (cli also report); nothing in the
// product imports test, bench or the emulator package, except the CLI, which loads the emulator
// dynamically for --tenant (and may name its types). The emulator imports nothing of the product.
// No import cycles anywhere.

const layer = (name) => `^src/${name}/`;
const product = "^(src|functions)/";
const outsideCore = "^(src/(?!core/)|functions/|bench/|test/|packages/)";

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      severity: "error",
      comment: "Import cycles make layers meaningless and modules impossible to load in isolation.",
      from: { path: "^(src|functions|bench|packages)/" },
      // A cycle closed only by type imports loads fine and is how a registry names its members' types.
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only", "type-import"] } },
    },
    {
      name: "core-imports-only-core",
      severity: "error",
      comment: "core is pure: ids, events, consumer types, preflight, decisions, jobs, report model, ports.",
      from: { path: layer("core") },
      to: { path: outsideCore },
    },
    {
      name: "core-uses-no-sdk",
      severity: "error",
      comment:
        "core performs no I/O: no Azure SDK client, no storage, no HTTP (types of event names are fine).",
      from: { path: layer("core") },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        pathNot: "node_modules/zod/",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "core-reads-only-data-files",
      severity: "error",
      comment: "core may read JSON shared with the Bicep (infra/*.json), nothing else outside src/core.",
      from: { path: layer("core") },
      to: { path: "^(infra|host\\.json)", pathNot: "^infra/[^/]+\\.json$" },
    },
    {
      name: "app-imports-core",
      severity: "error",
      comment: "app orchestrates over the ports of core; adapters are wired in by runtime.",
      from: { path: layer("app") },
      to: { path: "^(src/(adapters|runtime|cli|report)/|functions/|bench/|test/|packages/|infra/)" },
    },
    {
      name: "app-uses-no-sdk",
      severity: "error",
      from: { path: layer("app") },
      to: {
        dependencyTypes: ["npm", "npm-dev", "npm-optional", "npm-peer", "npm-no-pkg", "npm-unknown"],
        pathNot: "node_modules/zod/",
        dependencyTypesNot: ["type-only"],
      },
    },
    {
      name: "adapters-import-core",
      severity: "error",
      comment: "an adapter implements a port of core; it never calls the application or another root.",
      from: { path: layer("adapters") },
      to: { path: "^(src/(app|runtime|cli|report)/|functions/|bench/|test/|packages/)" },
    },
    {
      name: "report-imports-core",
      severity: "error",
      from: { path: layer("report") },
      to: { path: "^(src/(app|adapters|runtime|cli)/|functions/|bench/|test/|packages/)" },
    },
    {
      name: "runtime-wires-lower-layers",
      severity: "error",
      from: { path: layer("runtime") },
      to: { path: "^(src/cli/|functions/|bench/|test/|packages/)" },
    },
    {
      name: "cli-uses-runtime-app-core",
      severity: "error",
      from: { path: layer("cli") },
      to: { path: "^(src/adapters/|functions/|bench/|test/)" },
    },
    {
      name: "functions-use-runtime-app-core",
      severity: "error",
      from: { path: "^functions/" },
      to: { path: "^(src/(adapters|cli|report)/|bench/|test/|packages/)" },
    },
    {
      name: "product-loads-emulator-dynamically",
      severity: "error",
      comment: "only the CLI loads the emulator, and only with import() (type imports are erased).",
      from: { path: product, pathNot: layer("cli") },
      to: { path: "^packages/azure-emulator/", dependencyTypesNot: ["type-only", "type-import"] },
    },
    {
      name: "cli-loads-emulator-dynamically",
      severity: "error",
      from: { path: layer("cli") },
      to: {
        path: "^packages/azure-emulator/",
        dependencyTypesNot: ["type-only", "type-import", "dynamic-import"],
      },
    },
    {
      name: "emulator-imports-no-product",
      severity: "error",
      comment: "the emulator is the oracle the product is tested against: it must not share its code.",
      from: { path: "^packages/azure-emulator/" },
      to: { path: "^(src|functions|bench|test)/" },
    },
    {
      name: "bench-imports-no-test",
      severity: "error",
      comment: "the build emits bench/; test code must not end up in it.",
      from: { path: "^bench/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)dist(-app)?/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["source", "import", "node", "default"],
      extensions: [".ts", ".js", ".json"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
