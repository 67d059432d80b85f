import type { Plugin } from "esbuild";

/**
 * Packages `@opentelemetry/sdk-node` requires at load time but uses only when `OTEL_*_EXPORTER`
 * settings or a declarative configuration file choose them. `useAzureMonitor` hands the SDK its
 * own span processors, log record processors and metric readers, so the SDK never reads those
 * settings for exporters, and the function app sets none: these packages (gRPC, protobuf.js,
 * YAML, about 900 KB of the 4.7 MB bundle) are compiled at every cold start and never run.
 */
const unusedBySdkNode = [
  "@opentelemetry/configuration",
  "@opentelemetry/exporter-logs-otlp-grpc",
  "@opentelemetry/exporter-logs-otlp-http",
  "@opentelemetry/exporter-logs-otlp-proto",
  "@opentelemetry/exporter-metrics-otlp-grpc",
  "@opentelemetry/exporter-metrics-otlp-http",
  "@opentelemetry/exporter-metrics-otlp-proto",
  "@opentelemetry/exporter-prometheus",
  "@opentelemetry/exporter-trace-otlp-grpc",
  "@opentelemetry/exporter-trace-otlp-http",
  "@opentelemetry/exporter-trace-otlp-proto",
  "@opentelemetry/exporter-zipkin",
  "@opentelemetry/otlp-exporter-base",
  "@opentelemetry/otlp-grpc-exporter-base",
];

const namespace = "cmkr-not-bundled";

/**
 * Leaves {@link unusedBySdkNode} out of the bundle where `@opentelemetry/sdk-node` requires them
 * (and nowhere else). In their place is a module whose every member throws, naming the package,
 * so a setting that did choose one of them fails telemetry's start-up loudly (and
 * `startTelemetry` keeps the app running without telemetry) instead of exporting nowhere.
 */
export const sdkNodeUnusedExportersPlugin: Plugin = {
  name: "sdk-node-unused-exporters",
  setup(build) {
    const filter = new RegExp(
      `^(${unusedBySdkNode.map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`,
    );
    build.onResolve({ filter }, (args) =>
      /[\\/]@opentelemetry[\\/]sdk-node[\\/]/.test(args.importer)
        ? { path: args.path, namespace }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace }, (args) => ({
      loader: "js",
      contents: `const name = ${JSON.stringify(args.path)};
const fail = () => {
  throw new Error(name + " is not in the function app bundle (bench/sdkNodeUnusedExportersPlugin.ts): Azure Monitor exports the telemetry; unset the OTEL_* setting that chose it");
};
module.exports = new Proxy({}, {
  get(_target, key) {
    if (key === "__esModule") return false;
    if (typeof key === "symbol") return undefined;
    return new Proxy(function notBundled() {}, { apply: fail, construct: fail, get: fail });
  },
});
`,
    }));
  },
};
