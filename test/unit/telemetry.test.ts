import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { describe, expect, it, vi } from "vitest";
import {
  azureMonitorOptions,
  parseAuthenticationString,
  planTelemetry,
  TelemetrySettingsError,
} from "../../src/runtime/telemetry.js";

const iKey = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0";
const connectionString =
  `InstrumentationKey=${iKey};IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;` +
  "LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=1a2b3c4d-0000-4000-8000-000000000001";
const uami = "11111111-2222-4333-8444-555555555555";
const other = "99999999-8888-4777-8666-555555555555";

function settingsError(fn: () => unknown): TelemetrySettingsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TelemetrySettingsError) return error;
    throw error;
  }
  throw new Error("expected a TelemetrySettingsError");
}

describe("planTelemetry", () => {
  it("is off without a connection string, so tests and local runs start no exporter", () => {
    expect(planTelemetry({}).enabled).toBe(false);
    expect(planTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: "  " }).enabled).toBe(false);
    // The authentication string alone does not turn it on.
    expect(planTelemetry({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=AAD" }).enabled).toBe(
      false,
    );
  });

  it("uses the instrumentation key when no authentication string is set", () => {
    const plan = planTelemetry({
      APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
      AZURE_CLIENT_ID: uami,
    });
    expect(plan).toMatchObject({ enabled: true, connectionString });
    expect(plan).not.toHaveProperty("managedIdentity");
  });

  it("authenticates with the user-assigned identity named in the authentication string", () => {
    const plan = planTelemetry({
      APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${uami}`,
      AZURE_CLIENT_ID: other,
    });
    expect(plan).toMatchObject({ enabled: true, managedIdentity: { clientId: uami } });
  });

  it("falls back to AZURE_CLIENT_ID, then to the system-assigned identity", () => {
    const base = {
      APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=AAD",
    };
    expect(planTelemetry({ ...base, AZURE_CLIENT_ID: uami })).toMatchObject({
      managedIdentity: { clientId: uami },
    });
    const system = planTelemetry(base);
    expect(system).toMatchObject({ enabled: true, managedIdentity: {} });
    expect(system.enabled && system.managedIdentity?.clientId).toBeUndefined();
  });

  it("never puts the connection string in its summary", () => {
    for (const auth of [undefined, "Authorization=AAD", `Authorization=AAD;ClientId=${uami}`]) {
      const plan = planTelemetry({
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        ...(auth === undefined ? {} : { APPLICATIONINSIGHTS_AUTHENTICATION_STRING: auth }),
      });
      expect(plan.summary).not.toContain(iKey);
      expect(plan.summary).not.toContain("InstrumentationKey");
    }
  });

  it("rejects an unusable connection string, naming the setting but not echoing its value", () => {
    const secretish = "InstrumentationKey=not-a-guid-but-private;IngestionEndpoint=https://x/";
    const error = settingsError(() => planTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: secretish }));
    expect(error.code).toBe("TELEMETRY_SETTING_INVALID");
    expect(error.setting).toBe("APPLICATIONINSIGHTS_CONNECTION_STRING");
    expect(error.message).not.toContain("not-a-guid-but-private");
    expect(
      settingsError(() => planTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: "just-some-text" })).setting,
    ).toBe("APPLICATIONINSIGHTS_CONNECTION_STRING");
    expect(
      settingsError(() =>
        planTelemetry({
          APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=${iKey};IngestionEndpoint=not a url`,
        }),
      ).message,
    ).toContain("IngestionEndpoint");
  });

  it("rejects a client id that is not a GUID", () => {
    const error = settingsError(() =>
      planTelemetry({
        APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString,
        APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=AAD",
        AZURE_CLIENT_ID: "my-identity",
      }),
    );
    expect(error.setting).toBe("AZURE_CLIENT_ID");
  });
});

describe("parseAuthenticationString", () => {
  it("reads Authorization and ClientId with any key case and spacing", () => {
    expect(parseAuthenticationString("Authorization=AAD")).toEqual({ authorization: "AAD" });
    expect(parseAuthenticationString(` authorization = aad ; clientid = ${uami} ;`)).toEqual({
      authorization: "AAD",
      clientId: uami,
    });
    expect(parseAuthenticationString("Authorization=AAD;ClientId=")).toEqual({ authorization: "AAD" });
  });

  it("rejects other modes, malformed pairs and non-GUID client ids", () => {
    for (const value of [
      "",
      "Authorization=Key",
      "ClientId=" + uami,
      "AAD",
      `Authorization=AAD;ClientId=abc`,
    ]) {
      const error = settingsError(() => parseAuthenticationString(value));
      expect(error.setting).toBe("APPLICATIONINSIGHTS_AUTHENTICATION_STRING");
    }
  });
});

describe("azureMonitorOptions", () => {
  const credential: TokenCredential = {
    getToken: (): Promise<AccessToken | null> => Promise.resolve(null),
  };

  it("passes the connection string, and the credential only when one is given", () => {
    const plan = planTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: connectionString });
    if (!plan.enabled) throw new Error("expected telemetry on");
    expect(azureMonitorOptions(plan)).toEqual({ azureMonitorExporterOptions: { connectionString } });
    expect(azureMonitorOptions(plan, credential).azureMonitorExporterOptions?.credential).toBe(credential);
  });
});

describe("startTelemetry", () => {
  it("starts nothing without a connection string", async () => {
    vi.resetModules();
    const { startTelemetry } = await import("../../src/runtime/startTelemetry.js");
    await expect(startTelemetry({})).resolves.toBe(false);
  });

  it("reports unusable settings without the connection string and stays off", async () => {
    vi.resetModules();
    const { startTelemetry } = await import("../../src/runtime/startTelemetry.js");
    const errors: unknown[] = [];
    const spy = vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => errors.push(...args));
    try {
      const value = "InstrumentationKey=private-value-123";
      await expect(startTelemetry({ APPLICATIONINSIGHTS_CONNECTION_STRING: value })).resolves.toBe(false);
      expect(errors.join(" ")).toContain("APPLICATIONINSIGHTS_CONNECTION_STRING");
      expect(errors.join(" ")).not.toContain("private-value-123");
    } finally {
      spy.mockRestore();
    }
  });
});
