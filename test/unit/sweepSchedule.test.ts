import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/runtime/config.js";
import { ncrontabProblem } from "../../src/core/sweep/sweepSchedule.js";

describe("sweep schedule (NCRONTAB)", () => {
  it.each([
    "0 0 * * * *",
    "0 */15 * * * *",
    "0 30 9-17 * * Mon-Fri",
    "0 0 0 1 Jan,Jul *",
    "30 5 */2 * * 0,6",
  ])("accepts %s", (expression) => {
    expect(ncrontabProblem(expression)).toBeUndefined();
  });

  it.each([
    ["0 * * * *", /expected 6 NCRONTAB fields .* got 5/],
    ["60 0 * * * *", /second field: '60' is not a valid second/],
    ["0 0 24 * * *", /hour field: '24' is not a valid hour/],
    ["0 0 * 0 * *", /day field/],
    ["0 0 * * Foo *", /month field: 'Foo'/],
    ["0 0 * * * 7", /day of week field/],
    ["0 0 5-3 * * *", /runs backwards/],
    ["0 */0 * * * *", /invalid step/],
    ["0 0 * * * * *", /got 7/],
  ])("refuses %s", (expression, message) => {
    expect(ncrontabProblem(expression)).toMatch(message);
  });

  it("defaults to hourly and names the variable when invalid", () => {
    expect(loadConfig({}).CMKR_SWEEP_SCHEDULE).toBe("0 0 * * * *");
    expect(loadConfig({ CMKR_SWEEP_SCHEDULE: "0 */5 * * * *" }).CMKR_SWEEP_SCHEDULE).toBe("0 */5 * * * *");
    expect(() => loadConfig({ CMKR_SWEEP_SCHEDULE: "*/5 * * * *" })).toThrow(ConfigError);
    expect(() => loadConfig({ CMKR_SWEEP_SCHEDULE: "*/5 * * * *" })).toThrow(/CMKR_SWEEP_SCHEDULE/);
  });
});
