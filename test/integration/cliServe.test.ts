import { readFile } from "node:fs/promises";
import { createServer } from "node:net";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseTenantFile } from "@cmkr/azure-emulator";
import { runServe } from "../../src/cli/commands/serveCommand.js";
import { runCli } from "../../src/cli/runCli.js";
import type { OperationStatus } from "../../src/core/decisions/operationStatus.js";
import { captureCliOutput, cliArgv } from "../support/cliCapture.js";
import { tempDirs } from "../support/tempDir.js";

const tempDir = tempDirs();
const keyEvent = "examples/events/01-key-new-version-prod.eventgrid.json";
const prod = "0b1f6471-1bf0-4dda-aec3-111111111111";
const desProd = `/subscriptions/${prod}/resourceGroups/rg-compute-prod/providers/Microsoft.Compute/diskEncryptionSets/des-prod`;
const v2 = "7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f";

process.env.CMKR_SERVICE_PRINCIPAL_ID = "5f4e3d2c-1b0a-4987-8654-3210fedcba98";

async function until<T>(read: () => T | undefined, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

describe("cmkr serve (the service's HTTP functions against the emulator)", () => {
  it("takes replay --target, /api/remediate and the status endpoint, runs the worker, and saves the tenant on stop", async () => {
    const saved = join(await tempDir(), "after.json");
    let stop = (): void => undefined;
    const stopped = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const host = captureCliOutput();
    const serving = runServe(
      { tenant: "examples/tenant.json", port: 0, apply: true, saveTenant: saved },
      host.io,
      () => stopped,
    );
    try {
      const url = await until(() => /^ready: listening on (\S+)/m.exec(host.out)?.[1], "ready");
      expect(host.out).toContain(`POST ${url}/api/events`);

      // replay --target: the validation handshake, then one delivery, accepted.
      const replay = captureCliOutput();
      expect(await runCli(cliArgv("replay", keyEvent, "--target", `${url}/api/events`), replay.io)).toBe(0);
      expect(replay.out).toContain(`Sent 1 deliveries to ${url}/api/events; 0 not accepted.`);

      // A subscription-wide plan: 202, then the status endpoint until it is done.
      const accepted = await fetch(`${url}/api/remediate`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ subscriptionId: prod }),
      });
      expect(accepted.status).toBe(202);
      const { statusUrl } = (await accepted.json()) as { statusUrl: string };
      expect(accepted.headers.get("location")).toBe(statusUrl);
      let status: OperationStatus | undefined;
      const deadline = Date.now() + 30_000;
      while (status?.status !== "succeeded" && Date.now() < deadline) {
        status = (await (await fetch(`${url}${statusUrl}`)).json()) as OperationStatus;
        if (status.status !== "succeeded") await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toMatchObject({ status: "succeeded", dryRun: true, progress: { listed: true } });

      // What is not a function is a problem answer, not a hang.
      const missing = await fetch(`${url}/api/nothing`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get("content-type")).toBe("application/problem+json");
      const wrongMethod = await fetch(`${url}/api/events`, { method: "GET" });
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get("allow")).toBe("POST, OPTIONS");

      expect(host.out).toMatch(/^OPTIONS \/api\/events 200 \d+ ms$/m);
      expect(host.out).toMatch(/^POST \/api\/events 200 \d+ ms$/m);
      expect(host.out, host.out).toMatch(/^job: rotate-key applied des-prod$/m);
    } finally {
      stop();
      await serving;
    }
    expect(host.out).toMatch(/wrote .*after\.json\nstopped\n$/);
    const tenant = parseTenantFile(JSON.parse(await readFile(saved, "utf8")));
    expect(JSON.stringify(tenant.resources.find((r) => r.id === desProd)?.properties)).toContain(v2);
  }, 120_000);

  it("says which port is taken", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const address = blocker.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const c = captureCliOutput();
      expect(
        await runCli(cliArgv("serve", "--tenant", "examples/tenant.json", "--port", String(port)), c.io),
      ).toBe(1);
      expect(c.err).toBe(`error: port ${port} on 127.0.0.1 is in use; pass --port 0 for a free one\n`);
    } finally {
      await new Promise<void>((resolve) =>
        blocker.close(() => {
          resolve();
        }),
      );
    }
  }, 60_000);
});

describe("cmkr replay --target that cannot work", () => {
  it("an unreachable target: the URL, the cause's code and what to start, before anything is sent", async () => {
    const port = await closedPort();
    const c = captureCliOutput();
    expect(
      await runCli(
        cliArgv("replay", keyEvent, "--target", `http://127.0.0.1:${port}/api/events?code=SECRET`),
        c.io,
      ),
    ).toBe(1);
    expect(c.err).toBe(
      `error: --target http://127.0.0.1:${port}/api/events: cannot reach it (ECONNREFUSED): nothing is listening there; start the Functions host (func start) or \`cmkr serve --tenant FILE\`\n`,
    );
    expect(c.out).toBe("");
  });
});
