import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { ReplayReport } from "../../src/cli/commands/replayCommand.js";
import { runCli } from "../../src/cli/runCli.js";
import { parseTenantFile } from "@cmkr/azure-emulator";
import { captureCliOutput, cliArgv } from "../support/cliCapture.js";
import { tempDirs } from "../support/tempDir.js";

const tempDir = tempDirs();
const tenant = ["--tenant", "examples/tenant.json"];
const keyEvent = "examples/events/01-key-new-version-prod.eventgrid.json";

process.env.CMKR_SERVICE_PRINCIPAL_ID = "5f4e3d2c-1b0a-4987-8654-3210fedcba98";

/** Text as one line: what a table wraps at 80 columns, unwrapped. */
const flat = (text: string) => text.replace(/\s+/g, " ");

/** The visible width of the widest line (the ellipsis is one column). */
const widest = (text: string) => Math.max(...text.split("\n").map((l) => l.replace(/…/g, ".").length));

describe("cmkr replay: the table fits the terminal", () => {
  it("at 80 columns: the summary first, a CODE column, every reason whole, no line wider than 79", async () => {
    const c = captureCliOutput(80);
    expect(await runCli(cliArgv("replay", "examples/events", ...tenant, "--apply"), c.io)).toBe(1);
    const lines = c.out.split("\n");
    expect(lines[0]).toBe("Applied.");
    expect(lines[1]).toMatch(/^Summary: 5 refuse skipped, 6 rotate-key applied, 1 rotate-key skipped,/);
    expect(c.out).toMatch(/^Needs attention: 5 refused\./m);
    expect(c.out).toMatch(/^ACTION\s+STATUS\s+RESOURCE\s+CODE$/m);
    expect(c.out).toMatch(/^refuse\s+skipped\s+\S*ais-docs-prod\s+IdentityLacksKeyPermissions$/m);
    expect(widest(c.out)).toBeLessThanOrEqual(79);
    // The end of a reason says what to do: it is wrapped, never cut, ids shortened to names.
    expect(flat(c.out)).toContain(
      "lacks key permission unwrapKey in the access policies of vault kv-cmk-prod. Add them to its access policy.",
    );
    expect(c.out).not.toContain("/subscriptions/");
  });

  it("uses a wider terminal for a column of reasons, and --wide prints every field in full", async () => {
    const wide = captureCliOutput(220);
    await runCli(cliArgv("replay", keyEvent, ...tenant), wide.io);
    expect(wide.out).toMatch(/^ACTION\s+STATUS\s+RESOURCE\s+KEY\s+CODE\s+REASON$/m);
    expect(wide.out).toMatch(
      /^rotate-key\s+planned\s+rg-compute-prod\/des-prod\s+cmk 3f2a9c1e -> 7e9b1d3f\s+-\s+moving to 7e9b1d3f/m,
    );
    expect(widest(wide.out)).toBeLessThanOrEqual(219);

    const full = captureCliOutput(80);
    await runCli(cliArgv("replay", keyEvent, ...tenant, "--wide"), full.io);
    expect(full.out).toMatch(/^ACTION\s+STATUS\s+RESOURCE\s+FROM\s+TO\s+CODES\s+REASON$/m);
    expect(full.out).toMatch(
      /^refuse\s+planned\s+\/subscriptions\/0b1f6471-1bf0-4dda-aec3-111111111111\/resourceGroups\/rg-ai-prod\/providers\/Microsoft\.CognitiveServices\/accounts\/ais-docs-prod\s+https:\/\/kv-cmk-prod\.vault\.azure\.net\/keys\/cmk\/3f2a9c1e5b7d4e8fa0c2d4e6f8a1b3c5\s+\S+\s+IdentityLacksKeyPermissions\s+The system-assigned identity .* of vault \/subscriptions\/.*\/vaults\/kv-cmk-prod\. Add them to its access policy\./m,
    );
  });

  it("spells each resource type one way (the registry's) in --json", async () => {
    const c = captureCliOutput();
    await runCli(cliArgv("replay", "examples/events", ...tenant, "--json"), c.io);
    const types = new Set((JSON.parse(c.out) as ReplayReport).actions.map((a) => a.resourceType));
    expect(types).toContain("Microsoft.Compute/diskEncryptionSets");
    expect(types).toContain("Microsoft.CognitiveServices/accounts");
    expect([...types].filter((t) => t !== "" && t === t.toLowerCase())).toEqual([]);
  });
});

describe("cmkr replay: a dry run previews --apply", () => {
  it("plans the same actions --apply takes: a duplicate event is a duplicate, tickets carry between events", async () => {
    const [dry, applied] = [captureCliOutput(), captureCliOutput()];
    await runCli(cliArgv("replay", "examples/events", ...tenant, "--json"), dry.io);
    await runCli(cliArgv("replay", "examples/events", ...tenant, "--json", "--apply"), applied.io);
    const planned = (JSON.parse(dry.out) as ReplayReport).actions;
    const done = (JSON.parse(applied.out) as ReplayReport).actions;
    const asPlanned = (status: string, action: string) =>
      status === "applied" || (action === "refuse" && status === "skipped") ? "planned" : status;
    const key = (a: ReplayReport["actions"][number]) =>
      JSON.stringify([a.source, a.resourceId, a.action, asPlanned(a.status, a.action), a.to, a.codes]);
    expect(planned.map(key).sort()).toEqual(done.map(key).sort());
    expect(planned.filter((a) => a.action === "rotate-key" && a.status === "planned")).toHaveLength(6);
    const duplicate = planned.filter((a) =>
      a.source.endsWith("06-key-new-version-prod-duplicate.eventgrid.json"),
    );
    expect(duplicate.length).toBeGreaterThan(0);
    expect(duplicate.every((a) => a.action === "none" && a.status === "skipped")).toBe(true);
    // The deleted disk's ticket, opened by an earlier event of the run, is resolved by the worker's
    // fresh read (the disk is gone).
    expect(planned).toContainEqual(
      expect.objectContaining({
        source: "examples/events/13-delete-ticketed-disk.eventgrid.json",
        action: "update-ticket",
        status: "planned",
      }),
    );
  });
});

describe("cmkr replay: bad input says where and what", () => {
  it("names file, line and column of text that is not JSON, and a decode error's path once", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "01-broken.json"), '[\n  { "id": "a",\n    "eventType" "x" }\n]\n');
    const events = JSON.parse(await readFile(keyEvent, "utf8")) as Record<string, unknown>[];
    const noVersion = events.map((e) => ({ ...e, data: { ...(e.data as object), Version: 7 } }));
    await writeFile(join(dir, "02-bad-field.json"), JSON.stringify(noVersion));
    await writeFile(join(dir, "03-lines.ndjson"), `${JSON.stringify(events[0])}\n{"id": tru}\n`);
    const c = captureCliOutput();
    expect(await runCli(cliArgv("replay", dir, ...tenant), c.io)).toBe(1);
    expect(c.out).toContain(
      `error: ${join(dir, "01-broken.json")}:3:17: not valid JSON: expected ':' after a property name, found '"'`,
    );
    expect(c.out).toContain(
      `error: ${join(dir, "03-lines.ndjson")}:2:8: not valid JSON: expected a JSON value`,
    );
    expect(c.out).toMatch(
      new RegExp(
        `^error: ${join(dir, "02-bad-field.json").replace(/[.\\\\/]/g, "\\$&")} at \\[0\\]\\.data\\.Version: expected a non-empty string, got a number$`,
        "m",
      ),
    );
    expect(c.out).not.toMatch(/\$: \$/);
    // The valid line of the NDJSON file still replayed.
    expect(c.out).toMatch(/rotate-key\s+planned/);
  });

  it("refuses a tenant file with a misspelt resource type or broken JSON, saying where (exit 2)", async () => {
    const dir = await tempDir();
    const text = await readFile("examples/tenant.json", "utf8");
    const typo = join(dir, "typo.json");
    await writeFile(
      typo,
      text.replace(
        '"type": "Microsoft.Compute/diskEncryptionSets"',
        '"type": "Microsoft.Compute/diskEncryptionSet"',
      ),
    );
    const c = captureCliOutput();
    expect(await runCli(cliArgv("replay", keyEvent, "--tenant", typo), c.io)).toBe(2);
    expect(c.err).toMatch(
      new RegExp(
        `^error: ${typo.replace(/[.\\/]/g, "\\$&")}: \\$\\.resources\\[\\d+\\]\\.type: Microsoft\\.Compute\\/diskEncryptionSet does not match the type in the resource's id, Microsoft\\.Compute\\/diskEncryptionSets\\n$`,
      ),
    );
    const broken = join(dir, "broken.json");
    await writeFile(broken, '{\n  "tenantId": "t",\n  "subscriptions": [,]\n}\n');
    const b = captureCliOutput();
    expect(await runCli(cliArgv("replay", keyEvent, "--tenant", broken), b.io)).toBe(2);
    expect(b.err).toBe(`error: ${broken}:3:21: not valid JSON: expected a JSON value, found ','\n`);
  });

  it("refuses a directory without event files, and files without events (exit 2)", async () => {
    const empty = await tempDir();
    await writeFile(join(empty, "notes.txt"), "not events");
    const c = captureCliOutput();
    expect(await runCli(cliArgv("replay", empty, ...tenant), c.io)).toBe(2);
    expect(c.err).toBe(
      `error: ${empty}: no event files in this directory (replay reads *.json, *.ndjson and *.jsonl); it holds 1 other file(s), e.g. notes.txt\n`,
    );
    const blank = join(await tempDir(), "none.json");
    await writeFile(blank, "[]");
    const none = captureCliOutput();
    expect(await runCli(cliArgv("replay", blank, ...tenant), none.io)).toBe(2);
    expect(none.err).toBe(`error: nothing to read: ${blank} holds no events\n`);
  });

  it("reports events of types it does not handle as skipped, and exit 2 when nothing else was read", async () => {
    const dir = await tempDir();
    const other = (id: string) => ({
      id,
      topic:
        "/subscriptions/0b1f6471-1bf0-4dda-aec3-111111111111/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/st",
      subject: "/blobServices/default/containers/c/blobs/b",
      eventType: "Microsoft.Storage.BlobCreated",
      eventTime: "2026-11-22T11:59:00Z",
      dataVersion: "1",
      metadataVersion: "1",
      data: {},
    });
    await writeFile(join(dir, "blobs.json"), JSON.stringify([other("a"), other("b")]));
    const c = captureCliOutput();
    expect(await runCli(cliArgv("replay", dir, ...tenant), c.io)).toBe(2);
    expect(flat(c.out)).toContain(
      "Skipped 2 event(s) of types the service does not handle: Microsoft.Storage.BlobCreated (2).",
    );
    expect(c.err).toMatch(
      /^error: nothing to do: none of the 2 event\(s\) read is of a type the service handles \(Microsoft\.KeyVault\.KeyNewVersionCreated, /,
    );

    const mixed = captureCliOutput();
    await runCli(cliArgv("replay", dir, keyEvent, ...tenant, "--json"), mixed.io);
    const report = JSON.parse(mixed.out) as ReplayReport;
    expect(report.ignoredEvents).toEqual([{ eventType: "Microsoft.Storage.BlobCreated", count: 2 }]);
    expect(report.actions.length).toBeGreaterThan(0);
  });

  it("replays a delivery beyond Event Grid's limits in batches it could deliver, and says so", async () => {
    const [event] = JSON.parse(await readFile(keyEvent, "utf8")) as Record<string, unknown>[];
    const dir = await tempDir();
    // 5,000 small events of a type the service skips, then a key event: two batches by count.
    const noise = Array.from({ length: 5000 }, (_, i) => ({
      id: `n${i}`,
      subject: "s",
      eventType: "Other.Noise",
      eventTime: "2026-11-22T11:59:00Z",
      dataVersion: "1",
      data: {},
    }));
    const big = join(dir, "big.json");
    await writeFile(big, JSON.stringify([...noise, event]));
    const huge = {
      ...event,
      id: "huge",
      data: { ...(event?.data as object), Padding: "x".repeat(1024 * 1024) },
    };
    await writeFile(join(dir, "huge.ndjson"), `${JSON.stringify(huge)}\n`);
    const c = captureCliOutput();
    await runCli(cliArgv("replay", dir, ...tenant, "--json"), c.io);
    const report = JSON.parse(c.out) as ReplayReport;
    expect(c.err).toMatch(
      new RegExp(
        `^warning: ${big.replace(/[.\\/]/g, "\\$&")}: 5,001 events \\(0\\.\\d MB\\) in one delivery; Event Grid delivers at most 5,000 events and 1 MB per batch, so it is replayed as 2 batches$`,
        "m",
      ),
    );
    expect(c.err).toContain(
      `warning: ${join(dir, "huge.ndjson")}:1: the event is 1.0 MB, over Event Grid's 1 MB event limit; Event Grid would never deliver it\n`,
    );
    expect(report.warnings).toHaveLength(2);
    expect(new Set(report.actions.map((a) => a.source))).toContain(`${big}[5000-5000]`);
    expect(report.ignoredEvents).toEqual([{ eventType: "Other.Noise", count: 5000 }]);
  });
});

describe("cmkr replay: Ctrl-C", () => {
  it("stops taking deliveries, prints what was done, writes --save-tenant and exits 130", async () => {
    const saved = join(await tempDir(), "after.json");
    const c = captureCliOutput();
    const io = {
      ...c.io,
      // Ctrl-C as soon as the run starts.
      interrupt: () => ({ signal: Promise.resolve("SIGINT" as const), dispose: () => undefined }),
    };
    const code = await runCli(
      cliArgv("replay", "examples/events", ...tenant, "--apply", "--json", "--save-tenant", saved),
      io,
    );
    expect(code).toBe(130);
    const report = JSON.parse(c.out) as ReplayReport;
    expect(report.interrupted).toBe(true);
    expect(report.actions).toEqual([]);
    expect(parseTenantFile(JSON.parse(await readFile(saved, "utf8"))).tenantId).toBe(
      "72f988bf-86f1-41af-91ab-2d7cd011db47",
    );

    const human = captureCliOutput();
    expect(
      await runCli(cliArgv("replay", "examples/events", ...tenant), {
        ...human.io,
        interrupt: () => ({ signal: Promise.resolve("SIGTERM" as const), dispose: () => undefined }),
      }),
    ).toBe(130);
    expect(flat(human.out)).toContain(
      "Interrupted (SIGTERM) after 0 deliveries handled; what was in flight was finished, the rest was not read.",
    );
  });
});

describe("cmkr --version", () => {
  it("prints package.json's version", async () => {
    const c = captureCliOutput();
    expect(await runCli(cliArgv("--version"), c.io)).toBe(0);
    const pkg = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    expect(c.out).toBe(`${pkg.version}\n`);
  });
});
