import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createTableClient } from "../../src/adapters/storage/storageClients.js";
import { createTableLedger } from "../../src/adapters/storage/tableLedger.js";
import { runCli } from "../../src/cli/runCli.js";
import { captureCliOutput, cliArgv } from "../support/cliCapture.js";

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("cmkr writes (in-process, the ledger in Azurite)", () => {
  it("pause sets the kill switch every instance reads, resume lifts it, status shows it", async () => {
    const table = `writes${randomUUID().replace(/-/g, "").slice(0, 10)}`;
    const connectionString = inject("azuriteConnectionString");
    process.env.AzureWebJobsStorage = connectionString;
    process.env.CMKR_LEDGER_TABLE = table;
    const ledger = createTableLedger(createTableClient({ connectionString }, table));

    const paused = captureCliOutput();
    expect(
      await runCli(cliArgv("writes", "pause", "--reason", "incident 42", "--by", "ops"), paused.io),
    ).toBe(0);
    expect(paused.out).toMatch(/ledger kill switch: ON since .* by ops \(incident 42\)/);
    expect(await ledger.writePause()).toMatchObject({ by: "ops", reason: "incident 42" });

    const status = captureCliOutput();
    expect(await runCli(cliArgv("writes", "status", "--json"), status.io)).toBe(0);
    expect(JSON.parse(status.out)).toMatchObject({
      pausedInLedger: { by: "ops" },
      pausedBySetting: false,
      budgetPerHour: 200,
      writesThisHour: 0,
    });

    const resumed = captureCliOutput();
    expect(await runCli(cliArgv("writes", "resume"), resumed.io)).toBe(0);
    expect(resumed.out).toContain("ledger kill switch: off");
    expect(await ledger.writePause()).toBeUndefined();

    const bad = captureCliOutput();
    expect(await runCli(cliArgv("writes", "stop"), bad.io)).toBe(2);
    expect(bad.err).toContain("expected pause, resume or status");
  });
});
