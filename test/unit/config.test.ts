import { describe, expect, it } from "vitest";
import { ConfigError, describeSettings, loadConfig } from "../../src/runtime/config.js";

describe("loadConfig", () => {
  it("applies safe defaults when nothing is set", () => {
    const config = loadConfig({});
    expect(config.CMKR_DRY_RUN).toBe(true);
    expect(config.CMKR_KEY_EXPIRY_MARGIN_DAYS).toBe(30);
    expect(config.CMKR_AI_SERVICES_KINDS).toEqual(["OpenAI", "AIServices"]);
    expect(config.CMKR_SCOPE_SUBSCRIPTIONS).toEqual([]);
    expect(config.CMKR_JOB_QUEUE).toBe("cmkr-jobs");
  });

  it("parses lists, booleans and numbers", () => {
    const config = loadConfig({
      CMKR_DRY_RUN: "false",
      CMKR_SCOPE_SUBSCRIPTIONS: " 11111111-1111-1111-1111-111111111111 ,22222222-2222-2222-2222-222222222222",
      CMKR_KEY_EXPIRY_MARGIN_DAYS: "45",
      CMKR_AI_SERVICES_KINDS: "OpenAI",
    });
    expect(config.CMKR_DRY_RUN).toBe(false);
    expect(config.CMKR_SCOPE_SUBSCRIPTIONS).toHaveLength(2);
    expect(config.CMKR_KEY_EXPIRY_MARGIN_DAYS).toBe(45);
    expect(config.CMKR_AI_SERVICES_KINDS).toEqual(["OpenAI"]);
  });

  it.each([
    ["CMKR_DRY_RUN", "maybe", /true or false/],
    ["CMKR_SCOPE_SUBSCRIPTIONS", "prod", /subscription GUIDs/],
    ["CMKR_KEY_EXPIRY_MARGIN_DAYS", "-1", /whole number from 0/],
    ["CMKR_KEY_EXPIRY_MARGIN_DAYS", "ten", /whole number/],
    ["CMKR_JOB_QUEUE", "Jobs_Queue", /Storage queue name/],
    ["CMKR_SERVICE_PRINCIPAL_ID", "me", /object id/],
  ])("rejects %s=%s naming the variable", (variable, value, expected) => {
    let error: unknown;
    try {
      loadConfig({ [variable]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as ConfigError).code).toBe("ConfigInvalid");
    expect((error as ConfigError).message).toMatch(new RegExp(`^Invalid setting ${variable}: `));
    expect((error as ConfigError).message).toMatch(expected);
  });

  it("describes every setting for the docs", () => {
    const names = describeSettings().map((s) => s.name);
    expect(names).toContain("CMKR_DRY_RUN");
    expect(describeSettings().every((s) => s.description.length > 10)).toBe(true);
  });
});
