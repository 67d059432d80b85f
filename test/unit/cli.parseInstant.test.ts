import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { parseInstant } from "../../src/cli/parseInstant.js";

describe("parseInstant (--since, --until)", () => {
  it.each([
    ["2026-11-20", "2026-11-20T00:00:00.000Z"],
    ["2026-11-20T08:30", "2026-11-20T08:30:00.000Z"], // no zone: UTC, like the dead-letter folders
    ["2026-11-20T08:30:15.5Z", "2026-11-20T08:30:15.500Z"],
    ["2026-11-20T10:30+02:00", "2026-11-20T08:30:00.000Z"],
  ])("%s is %s", (text, iso) => {
    expect(parseInstant(text).toISOString()).toBe(iso);
  });

  it.each(["yesterday", "2026-13-01", "20261120", "2026-11-20 08:30", ""])("rejects %j", (text) => {
    expect(() => parseInstant(text)).toThrow(InvalidArgumentError);
  });
});
