import type { Plugin } from "esbuild";

/**
 * `@azure/monitor-opentelemetry` (1.18) installs the bridge between the Azure SDK's
 * `@azure/core-tracing` and OpenTelemetry with `createRequire(import.meta.url)`: a run-time
 * `require` that esbuild cannot see. In the bundle that `require` either fails (the deploy folder
 * has no node_modules, so Azure SDK spans are silently dropped) or, where a node_modules folder is
 * found above the bundle, loads a second, CommonJS copy of `@azure/core-tracing` and of the
 * OpenTelemetry instrumentation packages from disk (about a second of cold start on this machine)
 * and installs the bridge in that copy, not in the one the bundled SDK clients use.
 *
 * This plugin gives the bundle the same function with static imports, so the bridge is installed
 * in the bundled `@azure/core-tracing` and costs no file loads. Outside the bundle (tsc output,
 * tests) the package's own module is used unchanged.
 */
export const azureSdkTracingBridgePlugin: Plugin = {
  name: "azure-sdk-tracing-bridge",
  setup(build) {
    build.onLoad(
      {
        filter:
          /[\\/]@azure[\\/]monitor-opentelemetry[\\/]dist[\\/]esm[\\/]utils[\\/]azureSdkTracingBridge\.js$/,
      },
      () => ({
        loader: "js",
        contents: `import { diag } from "@opentelemetry/api";
import { useInstrumenter } from "@azure/core-tracing";
import { createOpenTelemetryInstrumenter } from "@azure/opentelemetry-instrumentation-azure-sdk";
/** @internal The bundled copy of ensureAzureSdkTracingBridge (bench/azureSdkTracingBridgePlugin.ts). */
export function ensureAzureSdkTracingBridge() {
  try {
    useInstrumenter(createOpenTelemetryInstrumenter());
  } catch (e) {
    diag.warn("Failed to install Azure SDK tracing bridge", e);
  }
}
`,
      }),
    );
  },
};
