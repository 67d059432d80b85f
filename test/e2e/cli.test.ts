import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { BlobServiceClient } from "@azure/storage-blob";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { ensureBuilt } from "../support/ensureBuilt.js";
import { tempDirs } from "../support/tempDir.js";

const tempDir = tempDirs();

/*
 * End to end: the built `cmkr` (package.json "bin") run as a child process, as a user runs it, with
 * its stdout, stderr and exit code checked. Runs with --tenant start the embedded emulator and an
 * in-memory Azurite each, so they are kept few.
 */

const bin = (JSON.parse(readFileSync("package.json", "utf8")) as { bin: Record<string, string> }).bin.cmkr;
if (bin === undefined) throw new Error('package.json has no "bin" entry for cmkr');

interface Run {
  code: number | null;
  out: string;
  err: string;
}

const baseEnv: NodeJS.ProcessEnv = {
  ...process.env,
  CMKR_SERVICE_PRINCIPAL_ID: "5f4e3d2c-1b0a-4987-8654-3210fedcba98",
};
delete baseEnv.AzureWebJobsStorage;
delete baseEnv.CMKR_TICKET_SINK;
delete baseEnv.COLUMNS;

function cmkr(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin ?? "", ...args], {
      env: { ...baseEnv, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, out, err });
    });
  });
}

/** A long-running `cmkr`: its output so far, a way to wait for a line, to signal it, and its end. */
function started(args: readonly string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [bin ?? "", ...args], {
    env: { ...baseEnv, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run = { out: "", err: "" };
  child.stdout.on("data", (chunk: Buffer) => (run.out += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (run.err += chunk.toString("utf8")));
  const ended = new Promise<Run>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      resolve({ code, out: run.out, err: run.err });
    });
  });
  return {
    run,
    ended,
    signal: (name: NodeJS.Signals) => child.kill(name),
    async waitFor(
      pattern: RegExp,
      stream: "out" | "err" = "out",
      timeoutMs = 60_000,
    ): Promise<RegExpExecArray> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const m = pattern.exec(run[stream]);
        if (m !== null) return m;
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`no ${String(pattern)} in ${stream}: ${run.out}\n${run.err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

const actionKinds = ["rotate-key", "open-ticket", "update-ticket", "enable-cmk", "none", "refuse"];
const statuses = ["applied", "planned", "skipped", "failed"];

/** The report contract of docs/cli.md, checked field by field. */
function expectReportContract(text: string): { dryRun: boolean; actions: Record<string, unknown>[] } {
  const report = JSON.parse(text) as { dryRun: unknown; actions: unknown; errors: unknown };
  expect(typeof report.dryRun).toBe("boolean");
  expect(Array.isArray(report.actions) && Array.isArray(report.errors)).toBe(true);
  const actions = report.actions as Record<string, unknown>[];
  for (const a of actions) {
    expect(a.resourceId).toMatch(/^\/subscriptions\//);
    expect(typeof a.resourceType).toBe("string");
    expect(actionKinds).toContain(a.action);
    expect(statuses).toContain(a.status);
    expect(typeof a.reason).toBe("string");
  }
  for (const e of report.errors as Record<string, unknown>[]) {
    expect(typeof e.input).toBe("string");
    expect(typeof e.message).toBe("string");
  }
  return { dryRun: report.dryRun as boolean, actions };
}

describe("cmkr end to end (the built command as a child process)", () => {
  beforeAll(async () => {
    // `npm test` from a clean clone: build when the output is missing or older than the sources.
    expect(await ensureBuilt()).toBe(resolve(bin));
  }, 300_000);

  it("prints usage for --help and for every command's --help, with exit code 0", async () => {
    const top = await cmkr(["--help"]);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/^Usage: cmkr /);
    const commands = [...(top.out.split(/^Commands:$/m)[1] ?? "").matchAll(/^ {2}([a-z][\w-]*)/gm)]
      .map((m) => m[1] ?? "")
      .filter((c) => c !== "help");
    expect(commands).toEqual(expect.arrayContaining(["replay", "scan", "remediate", "emulator"]));
    const helps = await Promise.all(commands.map((command) => cmkr([command, "--help"])));
    commands.forEach((command, i) => {
      const help = helps[i];
      expect(help?.code, command).toBe(0);
      expect(help?.out, command).toMatch(new RegExp(`^Usage: cmkr ${command} `));
      expect(help?.out, command).toMatch(/--/);
    });
  });

  it("exits 2 with the problem on stderr for an unknown option, a missing command, a malformed id, a bad choice", async () => {
    const [unknown, none, malformed, format] = await Promise.all([
      cmkr(["replay", "examples/events", "--bogus"]),
      cmkr([]),
      cmkr(["remediate", "not-a-resource-id", "--tenant", "examples/tenant.json"]),
      cmkr(["scan", "--format", "pdf"]),
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/unknown option '--bogus'/);
    expect(unknown.out).toBe("");

    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^Usage: cmkr /);

    expect(malformed.code).toBe(2);
    expect(malformed.err).toMatch(/^error: not-a-resource-id: expected a resource id/);
    expect(malformed.err).not.toMatch(/\n\s+at /);

    expect(format.code).toBe(2);
    expect(format.err).toMatch(/option '--format <format>' argument 'pdf' is invalid/);
  });

  it("replays the examples as a dry run: a readable table on stdout, nothing on stderr when piped", async () => {
    const run = await cmkr(["replay", "examples/events", "--tenant", "examples/tenant.json"], {
      COLUMNS: "220",
    });
    expect(run.out).toMatch(/^Dry run: nothing was written/);
    expect(run.out).toMatch(/^ACTION\s+STATUS\s+RESOURCE\s+KEY\s+CODE\s+REASON$/m);
    expect(run.out).toMatch(/^rotate-key\s+planned\s+rg-compute-prod\/des-prod\s/m);
    expect(run.out).toMatch(/^Summary: /m);
    expect(run.err).toBe(""); // no progress line: stderr is a pipe
    expect(run.code).toBe(1); // the plan holds refusals
  });

  it("--json prints the report contract; --apply applies, and its refusals exit 1", async () => {
    const [planned, applied] = await Promise.all([
      cmkr([
        "replay",
        "examples/events/01-key-new-version-prod.eventgrid.json",
        "--tenant",
        "examples/tenant.json",
        "--json",
      ]),
      cmkr(["replay", "examples/events", "--tenant", "examples/tenant.json", "--apply", "--json"]),
    ]);
    const plan = expectReportContract(planned.out);
    expect(plan.dryRun).toBe(true);
    expect(
      plan.actions.every((a) => a.source === "examples/events/01-key-new-version-prod.eventgrid.json"),
    ).toBe(true);
    expect(planned.code).toBe(1);

    const done = expectReportContract(applied.out);
    expect(done.dryRun).toBe(false);
    expect(done.actions).toContainEqual(
      expect.objectContaining({
        action: "rotate-key",
        status: "applied",
        resourceId: expect.stringMatching(/\/des-prod$/) as string,
      }),
    );
    expect(done.actions).toContainEqual(expect.objectContaining({ action: "refuse" }));
    expect(applied.err).toBe("");
    expect(applied.code).toBe(1);
  });

  it("remediate --json prints the report contract", async () => {
    const id =
      "/subscriptions/0b1f6471-1bf0-4dda-aec3-111111111111/resourceGroups/rg-compute-prod/providers/Microsoft.Compute/diskEncryptionSets/des-large";
    const run = await cmkr(["remediate", id, "--tenant", "examples/tenant.json", "--json"]);
    const report = expectReportContract(run.out);
    expect(report.actions).toEqual([
      expect.objectContaining({ resourceId: id, action: "rotate-key", status: "planned" }),
    ]);
    expect(run.code).toBe(0);
  });

  it("replays Event Grid dead-letter blobs from Azurite", async () => {
    const connection = inject("azuriteConnectionString");
    const container = BlobServiceClient.fromConnectionString(connection).getContainerClient(
      `e2e-deadletters-${randomUUID().slice(0, 8)}`,
    );
    await container.create();
    try {
      const events = JSON.parse(
        readFileSync("examples/events/01-key-new-version-prod.eventgrid.json", "utf8"),
      ) as Record<string, unknown>[];
      const name = `KV-CMK-PROD/CMK-ROTATION/2026/11/20/8/${randomUUID()}.json`;
      const body = JSON.stringify(
        events.map((e) => ({ ...e, deadLetterReason: "MaxDeliveryAttemptsExceeded", deliveryAttempts: 30 })),
      );
      await container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
      const run = await cmkr(
        [
          "replay",
          "--dead-letter",
          `${container.containerName}/KV-CMK-PROD`,
          "--tenant",
          "examples/tenant.json",
        ],
        { AZURE_STORAGE_CONNECTION_STRING: connection, COLUMNS: "160" },
      );
      expect(run.out).toMatch(/^rotate-key\s+planned\s+rg-compute-prod\/des-prod\s/m);
      expect(run.out).toContain(
        `${container.containerName}/${name}[0]  Microsoft.KeyVault.KeyNewVersionCreated  MaxDeliveryAttemptsExceeded after 30 attempt(s)`,
      );
      expect(run.out + run.err).not.toContain("AccountKey");
      expect(run.code).toBe(1);
    } finally {
      await container.deleteIfExists();
    }
  });

  it("--version prints the package's version", async () => {
    const run = await cmkr(["--version"]);
    expect(run.code).toBe(0);
    expect(run.out).toBe(
      `${(JSON.parse(readFileSync("package.json", "utf8")) as { version: string }).version}\n`,
    );
  });

  it("fits 80 columns when piped, and --fail-on gates a pipeline", async () => {
    const [replay, scan] = await Promise.all([
      cmkr(["replay", "examples/events", "--tenant", "examples/tenant.json", "--apply"]),
      cmkr(["scan", "--tenant", "examples/tenant.json", "--fail-on", "urgent"]),
    ]);
    for (const out of [replay.out, scan.out]) {
      for (const line of out.split("\n")) expect(line.replace(/…/g, ".").length, line).toBeLessThan(80);
    }
    expect(replay.out).toMatch(/^ACTION\s+STATUS\s+RESOURCE\s+CODE$/m);
    expect(scan.code).toBe(1);
    expect(scan.err).toBe("fail-on urgent: 1 finding(s) at or above urgent\n");
  });

  it("serve: replay --target reaches the service's /api/events; Ctrl-C stops it cleanly", async () => {
    const serve = started(["serve", "--tenant", "examples/tenant.json", "--port", "0"]);
    try {
      const [, url] = await serve.waitFor(/^ready: listening on (\S+) /m);
      const replay = await cmkr([
        "replay",
        "examples/events/01-key-new-version-prod.eventgrid.json",
        "--target",
        `${url ?? ""}/api/events`,
      ]);
      expect(replay.code).toBe(0);
      expect(replay.out).toContain("; 0 not accepted.");
      await serve.waitFor(/^job: rotate-key planned des-prod$/m);
    } finally {
      serve.signal("SIGINT");
    }
    const end = await serve.ended;
    expect(end.code).toBe(0);
    expect(end.out).toMatch(/stopped\n$/);
    expect(end.err).toBe("");
  }, 120_000);

  it("replay --target at `cmkr emulator`: one error saying it serves Azure, not the service", async () => {
    const emulator = started(["emulator", "--tenant", "examples/tenant.json", "--port", "0"]);
    try {
      const [, ca] = await emulator.waitFor(/NODE_EXTRA_CA_CERTS=(\S+)/);
      const [, url] = await emulator.waitFor(/^ready: listening on (\S+) /m);
      const replay = await cmkr(["replay", "examples/events", "--target", `${url ?? ""}/api/events`], {
        NODE_EXTRA_CA_CERTS: ca ?? "",
      });
      expect(replay.code).toBe(1);
      expect(replay.out).toBe("");
      expect(replay.err.trimEnd().split("\n")).toHaveLength(1);
      expect(replay.err).toMatch(
        /^error: --target https:\/\/127\.0\.0\.1:\d+\/api\/events: HTTP 401 to the validation handshake: .*`cmkr emulator` serves Azure's own APIs .* run `cmkr serve --tenant FILE`/,
      );
    } finally {
      emulator.signal("SIGINT");
      await emulator.ended;
    }
  }, 120_000);

  it("Ctrl-C during a replay: the writes so far reported, --save-tenant written, exit 130", async () => {
    const dir = await tempDir();
    const [event] = JSON.parse(
      readFileSync("examples/events/01-key-new-version-prod.eventgrid.json", "utf8"),
    ) as Record<string, unknown>[];
    // A warning first (printed as soon as it is read), then many deliveries to be in the middle of.
    const noise = Array.from({ length: 5001 }, (_, i) => ({
      id: `n${i}`,
      subject: "s",
      eventType: "Other.Noise",
      eventTime: "2026-11-22T11:59:00Z",
      dataVersion: "1",
      data: {},
    }));
    await writeFile(join(dir, "01-noise.json"), JSON.stringify(noise));
    await writeFile(
      join(dir, "02-events.ndjson"),
      Array.from({ length: 3000 }, (_, i) => JSON.stringify({ ...event, id: `e${i}` })).join("\n"),
    );
    const saved = join(dir, "after.json");
    const replay = started([
      "replay",
      dir,
      "--tenant",
      "examples/tenant.json",
      "--apply",
      "--save-tenant",
      saved,
    ]);
    await replay.waitFor(/^warning: .*01-noise\.json: 5,001 events/m, "err");
    await new Promise((r) => setTimeout(r, 1500));
    replay.signal("SIGINT");
    const end = await replay.ended;
    expect(end.code).toBe(130);
    expect(end.out.replace(/\s+/g, " ")).toMatch(
      /Interrupted \(SIGINT\) after \d+ deliveries handled; what was in flight was finished, the rest was not read\./,
    );
    expect(end.out).toMatch(/^rotate-key\s+applied\s+\S*des-prod\s/m);
    const tenant = JSON.parse(await readFile(saved, "utf8")) as {
      resources: { name: string; properties?: unknown }[];
    };
    expect(JSON.stringify(tenant.resources.find((r) => r.name === "des-prod")?.properties)).toContain(
      "7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f",
    );
  }, 180_000);
});
