import type { TokenCredential } from "@azure/core-auth";
import type { AzureMonitorOpenTelemetryOptions } from "@azure/monitor-opentelemetry";

/**
 * Whether and how the Functions app sends its telemetry to Application Insights through
 * OpenTelemetry, decided from app settings alone. Pure: starting the exporter is
 * `startTelemetry.ts`'s job, so this can be tested without ever reaching Azure Monitor.
 */

/** The app settings telemetry reads, besides `AZURE_CLIENT_ID`. */
export const telemetrySettingNames = [
  "APPLICATIONINSIGHTS_CONNECTION_STRING",
  "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
] as const;

/** A telemetry setting that cannot be used; the message names the setting, never its value. */
export class TelemetrySettingsError extends Error {
  override readonly name = "TelemetrySettingsError";
  readonly code = "TELEMETRY_SETTING_INVALID";
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting}: ${problem}`);
  }
}

/** `APPLICATIONINSIGHTS_AUTHENTICATION_STRING`, parsed. */
export interface AuthenticationSettings {
  /** `AAD`: ingestion authenticated with Microsoft Entra ID (local authentication off). */
  authorization: "AAD";
  /** Client id of the user-assigned identity; absent for the system-assigned identity. */
  clientId?: string;
}

/** What to start. The connection string is only in `connectionString`, never in `summary`. */
export type TelemetryPlan =
  | { enabled: false; summary: string }
  | {
      enabled: true;
      connectionString: string;
      /** Present when ingestion requires Entra ID: the managed identity that authenticates. */
      managedIdentity?: { clientId?: string };
      /** A log line describing the choice without secrets. */
      summary: string;
    };

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `Key=Value;Key=Value` with case-insensitive keys, as Application Insights writes them. */
function parsePairs(setting: string, value: string): Map<string, string> {
  const pairs = new Map<string, string>();
  for (const part of value.split(";")) {
    if (part.trim() === "") continue;
    const eq = part.indexOf("=");
    if (eq <= 0) throw new TelemetrySettingsError(setting, "expected Key=Value pairs separated by ';'");
    pairs.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return pairs;
}

/**
 * Parses `APPLICATIONINSIGHTS_AUTHENTICATION_STRING`: `Authorization=AAD` for the system-assigned
 * identity, `Authorization=AAD;ClientId=<guid>` for a user-assigned one.
 */
export function parseAuthenticationString(value: string): AuthenticationSettings {
  const setting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";
  const pairs = parsePairs(setting, value);
  const authorization = pairs.get("authorization");
  if (authorization?.toUpperCase() !== "AAD") {
    throw new TelemetrySettingsError(setting, "Authorization must be AAD (the only supported mode)");
  }
  const clientId = pairs.get("clientid");
  if (clientId === undefined || clientId === "") return { authorization: "AAD" };
  if (!guid.test(clientId)) throw new TelemetrySettingsError(setting, "ClientId must be a GUID");
  return { authorization: "AAD", clientId };
}

/** Checks the shape of the connection string without ever echoing it. */
function checkConnectionString(value: string): void {
  const setting = "APPLICATIONINSIGHTS_CONNECTION_STRING";
  const pairs = parsePairs(setting, value);
  const key = pairs.get("instrumentationkey");
  if (key === undefined || !guid.test(key)) {
    throw new TelemetrySettingsError(setting, "InstrumentationKey is missing or not a GUID");
  }
  const endpoint = pairs.get("ingestionendpoint");
  if (endpoint !== undefined && !URL.canParse(endpoint)) {
    throw new TelemetrySettingsError(setting, "IngestionEndpoint is not a URL");
  }
}

/**
 * Decides telemetry from the environment. Off without a connection string, so tests, the CLI and
 * local runs never start an exporter. With `Authorization=AAD` the exporter authenticates with the
 * managed identity: the client id from the authentication string, else `AZURE_CLIENT_ID`, else the
 * system-assigned identity. Throws {@link TelemetrySettingsError} for unusable values.
 */
export function planTelemetry(env: NodeJS.ProcessEnv): TelemetryPlan {
  const connectionString = env.APPLICATIONINSIGHTS_CONNECTION_STRING?.trim() ?? "";
  if (connectionString === "") {
    return { enabled: false, summary: "telemetry off: APPLICATIONINSIGHTS_CONNECTION_STRING is not set" };
  }
  checkConnectionString(connectionString);
  const authentication = env.APPLICATIONINSIGHTS_AUTHENTICATION_STRING?.trim() ?? "";
  if (authentication === "") {
    return {
      enabled: true,
      connectionString,
      summary: "telemetry to Application Insights through OpenTelemetry (instrumentation key authentication)",
    };
  }
  const auth = parseAuthenticationString(authentication);
  const fallback = env.AZURE_CLIENT_ID?.trim();
  const clientId = auth.clientId ?? (fallback === undefined || fallback === "" ? undefined : fallback);
  if (clientId !== undefined && !guid.test(clientId)) {
    throw new TelemetrySettingsError("AZURE_CLIENT_ID", "must be a GUID");
  }
  return {
    enabled: true,
    connectionString,
    managedIdentity: clientId === undefined ? {} : { clientId },
    summary:
      "telemetry to Application Insights through OpenTelemetry, authenticated with the " +
      (clientId === undefined ? "system-assigned managed identity" : `managed identity ${clientId}`),
  };
}

/**
 * The `useAzureMonitor` options for an enabled plan. `credential` is the managed identity built
 * from `plan.managedIdentity`; without it the exporter authenticates with the instrumentation key.
 */
export function azureMonitorOptions(
  plan: Extract<TelemetryPlan, { enabled: true }>,
  credential?: TokenCredential,
): AzureMonitorOpenTelemetryOptions {
  return {
    azureMonitorExporterOptions: {
      connectionString: plan.connectionString,
      ...(credential === undefined ? {} : { credential }),
    },
  };
}
