// Static: every entry point loads @azure/functions anyway, and a static namespace import keeps its
// named exports in the bundle (a split dynamic import of CommonJS would only expose `default`).
import * as azureFunctions from "@azure/functions";
import { azureMonitorOptions, planTelemetry, TelemetrySettingsError } from "./telemetry.js";

let started: Promise<boolean> | undefined;

/**
 * Starts OpenTelemetry export to Application Insights once per process, when
 * `APPLICATIONINSIGHTS_CONNECTION_STRING` is set: the Azure Monitor distro (traces, logs, metrics,
 * Azure SDK spans) plus the Azure Functions instrumentation, which correlates each invocation with
 * the host's trace and sends `context.log` output as OpenTelemetry logs.
 *
 * The packages are imported only when telemetry is on, so tests and local runs never load them.
 * Unusable settings are reported and telemetry stays off: observability settings must not stop
 * remediation. Resolves to whether telemetry was started.
 */
export function startTelemetry(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  started ??= start(env);
  return started;
}

async function start(env: NodeJS.ProcessEnv): Promise<boolean> {
  let plan;
  try {
    plan = planTelemetry(env);
  } catch (error) {
    if (!(error instanceof TelemetrySettingsError)) throw error;
    console.error(`Telemetry not started: ${error.message}`);
    return false;
  }
  if (!plan.enabled) return false;
  const [{ useAzureMonitor }, instrumentation] = await Promise.all([
    import("@azure/monitor-opentelemetry"),
    // A CommonJS bundle whose named exports Node cannot detect: only `default` is reliable.
    import("@azure/functions-opentelemetry-instrumentation"),
  ]);
  const { AzureFunctionsInstrumentationESM } = instrumentation.default;
  let credential;
  if (plan.managedIdentity !== undefined) {
    const { ManagedIdentityCredential } = await import("@azure/identity");
    const { clientId } = plan.managedIdentity;
    credential = new ManagedIdentityCredential(clientId === undefined ? {} : { clientId });
  }
  try {
    useAzureMonitor(azureMonitorOptions(plan, credential));
  } catch (error) {
    // Observability must not stop remediation: say why, and run without telemetry.
    console.error(`Telemetry not started: ${error instanceof Error ? error.message : String(error)}`);
    return false;
  }
  // The ESM flavour is registered by hand: require hooks never see an ES module import of
  // @azure/functions (nor a bundled copy). Left disabled so the require hook cannot patch twice.
  new AzureFunctionsInstrumentationESM({ enabled: false }).registerAzFunc(azureFunctions);
  console.warn(plan.summary);
  return true;
}
