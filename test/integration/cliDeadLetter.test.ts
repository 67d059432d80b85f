import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { BlobServiceClient, ContainerSASPermissions, type ContainerClient } from "@azure/storage-blob";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createServer } from "node:http";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { createEventsWebhookHandler } from "../../src/runtime/http/eventsWebhookHandler.js";
import { runCli } from "../../src/cli/runCli.js";
import type { ReplayReport } from "../../src/cli/commands/replayCommand.js";
import { readDeadLetterBlobs } from "../../src/adapters/storage/deadLetterBlobs.js";
import { readTenantFile } from "@cmkr/azure-emulator";
import { createServiceHarness } from "../support/serviceHarness.js";
import { captureCliOutput, cliArgv } from "../support/cliCapture.js";

const example = async (name: string): Promise<Record<string, unknown>[]> => {
  const parsed = JSON.parse(await readFile(`examples/events/${name}`, "utf8")) as unknown;
  return (Array.isArray(parsed) ? parsed : [parsed]) as Record<string, unknown>[];
};

// Event Grid's folder layout: {TOPIC}/{SUBSCRIPTION}/{year}/{month}/{day}/{hour}/{guid}.json, UTC, not zero-padded.
const folder = "KV-CMK-PROD/CMK-ROTATION";
const names = {
  eventGrid: `${folder}/2026/11/20/8/${randomUUID()}.json`,
  cloudEvents: `${folder}/2026/11/21/13/${randomUUID()}.json`,
  broken: `${folder}/2026/11/21/14/${randomUUID()}.json`,
  tooOld: `${folder}/2026/11/19/23/${randomUUID()}.json`,
  notJson: `${folder}/2026/11/21/14/notes.txt`,
};

describe("cmkr replay --dead-letter (Event Grid dead-letter blobs in Azurite)", () => {
  const containerName = `deadletters-${randomUUID().slice(0, 8)}`;
  let container: ContainerClient;
  const previous = process.env.AZURE_STORAGE_CONNECTION_STRING;

  beforeAll(async () => {
    const connection = inject("azuriteConnectionString");
    process.env.AZURE_STORAGE_CONNECTION_STRING = connection;
    process.env.CMKR_SERVICE_PRINCIPAL_ID = "5f4e3d2c-1b0a-4987-8654-3210fedcba98";
    container = BlobServiceClient.fromConnectionString(connection).getContainerClient(containerName);
    await container.create();
    const [keyEvent] = await example("01-key-new-version-prod.eventgrid.json");
    const [writeEvent] = await example("07-write-openai-without-cmk.eventgrid.json");
    const [devKeyEvent] = await example("03-key-new-version-dev-vault.cloudevents.json");
    const [nearExpiry] = await example("05-key-near-expiry.eventgrid.json");
    const upload = (name: string, body: string) =>
      container.getBlockBlobClient(name).upload(body, Buffer.byteLength(body));
    // Event Grid schema: camelCase dead-letter properties on each event of the array.
    await upload(
      names.eventGrid,
      JSON.stringify([
        {
          ...keyEvent,
          deadLetterReason: "MaxDeliveryAttemptsExceeded",
          deliveryAttempts: 30,
          lastDeliveryOutcome: "TimedOut",
          lastHttpStatusCode: 408,
          publishTime: "2026-11-20T08:30:06.0265758Z",
          lastDeliveryAttemptTime: "2026-11-21T08:29:14.0465788Z",
        },
        {
          ...writeEvent,
          deadLetterReason: "UndeliverableDueToHttpBadRequest",
          deliveryAttempts: 1,
          lastDeliveryOutcome: "BadRequest",
          lastHttpStatusCode: 400,
          publishTime: "2026-11-20T08:41:00Z",
        },
      ]),
    );
    // CloudEvents schema: lower-case extension attributes.
    await upload(
      names.cloudEvents,
      JSON.stringify([
        {
          ...devKeyEvent,
          deadletterreason: "MaxDeliveryAttemptsExceeded",
          deliveryattempts: 5,
          lastdeliveryoutcome: "NotFound",
          publishtime: "2026-11-21T13:00:04Z",
        },
      ]),
    );
    await upload(names.broken, '[{"id": "truncated", "data": {');
    await upload(names.tooOld, JSON.stringify([{ ...nearExpiry, deadLetterReason: "TimeToLiveExceeded" }]));
    await upload(names.notJson, "operator notes");
  });

  afterAll(async () => {
    await container.deleteIfExists();
    if (previous === undefined) delete process.env.AZURE_STORAGE_CONNECTION_STRING;
    else process.env.AZURE_STORAGE_CONNECTION_STRING = previous;
  });

  it("plans every dead-lettered event in the window, names each one's blob, and reports a bad blob", async () => {
    const c = captureCliOutput();
    const code = await runCli(
      cliArgv(
        "replay",
        "--dead-letter",
        `${containerName}/${folder}`,
        "--since",
        "2026-11-20",
        "--tenant",
        "examples/tenant.json",
        "--json",
      ),
      c.io,
    );
    const report = JSON.parse(c.out) as ReplayReport;
    expect(report.dryRun).toBe(true);
    const eg = `${containerName}/${names.eventGrid}`;
    const ce = `${containerName}/${names.cloudEvents}`;
    expect(report.actions).toContainEqual(
      expect.objectContaining({
        action: "rotate-key",
        status: "planned",
        source: `${eg}[0]`,
        resourceId: expect.stringMatching(/\/des-prod$/) as string,
      }),
    );
    expect(report.actions).toContainEqual(
      expect.objectContaining({
        action: "open-ticket",
        source: `${eg}[1]`,
        codes: ["AiServicesMicrosoftManagedKey"],
      }),
    );
    expect(report.actions).toContainEqual(
      expect.objectContaining({
        action: "refuse",
        source: `${ce}[0]`,
        codes: ["VaultPurgeProtectionDisabled"],
      }),
    );
    // The blob filed before --since is not read.
    expect(report.actions.filter((a) => a.resourceId.includes("cmk-old"))).toEqual([]);
    expect(report.deadLetters?.map((d) => [d.source, d.reason, d.deliveryAttempts])).toEqual([
      [`${eg}[0]`, "MaxDeliveryAttemptsExceeded", 30],
      [`${eg}[1]`, "UndeliverableDueToHttpBadRequest", 1],
      [`${ce}[0]`, "MaxDeliveryAttemptsExceeded", 5],
    ]);
    expect(report.deadLetters?.[0]).toMatchObject({
      eventId: "6f1c0c8e-5b1e-4c1a-9a3e-1d2b3c4d5e01",
      eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
      lastDeliveryOutcome: "TimedOut",
      lastHttpStatusCode: 408,
    });
    expect(report.errors).toEqual([
      {
        input: `${containerName}/${names.broken}`,
        message: expect.stringMatching(/^the blob is not JSON: .* at line 1, column \d+$/) as string,
      },
    ]);
    expect(code).toBe(1); // a refusal and an unreadable blob
  });

  it("applies the events of a window (--until) and prints the table with each event's blob", async () => {
    const c = captureCliOutput(160);
    const code = await runCli(
      cliArgv(
        "replay",
        "--dead-letter",
        `${containerName}/${folder}/2026/11`,
        "--since",
        "2026-11-20T08:00",
        "--until",
        "2026-11-20T09:00Z",
        "--tenant",
        "examples/tenant.json",
        "--apply",
      ),
      c.io,
    );
    expect(c.out).toMatch(/^Applied\./);
    expect(c.out).toMatch(/rotate-key\s+applied\s+rg-compute-prod\/des-prod/);
    expect(c.out).toMatch(/refuse\s+\S+\s+rg-ai-prod\/ais-docs-prod/);
    expect(c.out).not.toMatch(/des-dev/); // filed 2026-11-21, outside the window
    expect(c.out).toContain(`Dead-lettered events: 2 from 1 blob(s) under `);
    expect(c.out).toContain(
      `  ${containerName}/${names.eventGrid}[0]  Microsoft.KeyVault.KeyNewVersionCreated  MaxDeliveryAttemptsExceeded after 30 attempt(s) (last: TimedOut, HTTP 408)  -> `,
    );
    expect(c.out).not.toContain("AccountKey");
    expect(c.err).toBe("");
    expect(code).toBe(1);
  });

  it("reads a container URL carrying a SAS, and never prints the SAS", async () => {
    const expiresOn = new Date(Date.now() + 3_600_000);
    const sasUrl = await container.generateSasUrl({
      permissions: ContainerSASPermissions.parse("rl"),
      expiresOn,
    });
    const url = new URL(sasUrl);
    const location = `${url.origin}${url.pathname}/${folder}/2026/11/21/13${url.search}`;
    const c = captureCliOutput();
    const code = await runCli(
      cliArgv("replay", "--dead-letter", location, "--tenant", "examples/tenant.json", "--json"),
      c.io,
    );
    const report = JSON.parse(c.out) as ReplayReport;
    expect(report.actions.map((a) => [a.action, a.resourceId.split("/").pop()])).toEqual([
      ["refuse", "des-dev"],
    ]);
    expect(code).toBe(1);

    // The SAS does not cover another container: the refusal names the location, never the SAS.
    const refused = captureCliOutput();
    const other = `${url.origin}${url.pathname.replace(containerName, "other-container")}${url.search}`;
    expect(
      await runCli(cliArgv("replay", "--dead-letter", other, "--tenant", "examples/tenant.json"), refused.io),
    ).toBe(1);
    expect(refused.err).toMatch(
      /^error: http:\/\/127\.0\.0\.1:\d+\/devstoreaccount1\/other-container\/: cannot list the dead-letter blobs \(HTTP 403 \w+\)/,
    );
    expect(refused.err + refused.out).not.toContain("sig=");

    const missing = captureCliOutput();
    expect(
      await runCli(
        cliArgv("replay", "--dead-letter", "no-such-container/X", "--tenant", "examples/tenant.json"),
        missing.io,
      ),
    ).toBe(2);
    expect(missing.err).toMatch(/\/devstoreaccount1\/no-such-container\/X\/: no such container/);
  });

  it("sends dead-lettered events to --target one by one, and --json merges the endpoint's reports", async () => {
    const h = await createServiceHarness(
      await readTenantFile("examples/tenant.json"),
      inject("azuriteConnectionString"),
    );
    const handler = createEventsWebhookHandler(() => Promise.resolve(h.runtime));
    const seen: string[] = [];
    // The Functions handler behind a real loopback HTTP server.
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (chunk: Buffer) => chunks.push(chunk));
      req.on("end", () => {
        void (async () => {
          if (req.method === "POST") seen.push(String(req.headers["content-type"]));
          const response = await handler(
            new HttpRequest({
              method: req.method ?? "POST",
              url: `http://127.0.0.1${req.url ?? "/"}`,
              headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
              body: { string: Buffer.concat(chunks).toString("utf8") },
            }),
            new InvocationContext({ functionName: "events", invocationId: "i", logHandler: () => undefined }),
          );
          res
            .writeHead(response.status ?? 200, {
              "content-type": "application/json",
              ...(response.headers as Record<string, string> | undefined),
            })
            .end(JSON.stringify(response.jsonBody ?? {}));
        })();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const c = captureCliOutput();
      const code = await runCli(
        cliArgv(
          "replay",
          "--dead-letter",
          `${containerName}/${folder}`,
          "--since",
          "2026-11-20",
          "--until",
          "2026-11-21T14:00Z",
          "--target",
          `http://127.0.0.1:${port}/api/events`,
          "--json",
        ),
        c.io,
      );
      const report = JSON.parse(c.out) as ReplayReport;
      const eg = `${containerName}/${names.eventGrid}`;
      expect(seen).toEqual([
        "application/json; charset=utf-8",
        "application/json; charset=utf-8",
        "application/cloudevents+json; charset=utf-8",
      ]);
      expect(report.dryRun).toBe(false);
      // The endpoint answers a key event for the key (its fan-out queued), not per consumer.
      expect(report.actions).toContainEqual(
        expect.objectContaining({
          action: "rotate-key",
          status: "planned",
          source: `${eg}[0]`,
          resourceId: expect.stringMatching(/\/vaults\/kv-cmk-prod$/) as string,
        }),
      );
      expect(report.deadLetters?.map((d) => d.source)).toEqual([
        `${eg}[0]`,
        `${eg}[1]`,
        `${containerName}/${names.cloudEvents}[0]`,
      ]);
      expect(report.errors).toEqual([]);
      expect(c.err).toBe("");
      expect(code).toBe(0);
    } finally {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  });

  it("reads blobs oldest first by their (not zero-padded) date path, in order with read-ahead", async () => {
    const order = [
      "2026/9/30/23",
      "2026/10/1/0",
      "2026/10/1/9",
      "2026/10/1/10",
      "2026/10/2/1",
      "2026/11/1/0",
    ];
    // Uploaded in reverse, so neither upload order nor name order is the date order.
    for (const path of [...order].reverse()) {
      const body = JSON.stringify([{ id: path, deadLetterReason: "MaxDeliveryAttemptsExceeded" }]);
      await container.getBlockBlobClient(`ORDER/SUB/${path}/${randomUUID()}.json`).upload(body, body.length);
    }
    const read: string[] = [];
    for await (const blob of readDeadLetterBlobs(
      { client: container, prefix: "ORDER/", label: "order" },
      { readAhead: 2, since: new Date("2026-10-01T00:30Z") },
    )) {
      read.push((blob.deliveries[0]?.body as { id: string }).id);
    }
    // 2026/10/1/0 covers 00:00-01:00, so --since 00:30 keeps it; 2026/9/30/23 ends before.
    expect(read).toEqual(order.slice(1));
  });

  it("says so when nothing matches, with the upper-case hint for a lower-case folder", async () => {
    const c = captureCliOutput();
    const code = await runCli(
      cliArgv("replay", "--dead-letter", `${containerName}/kv-cmk-prod`, "--tenant", "examples/tenant.json"),
      c.io,
    );
    expect(c.out).toMatch(/No actions\./);
    expect(c.out).toMatch(
      /No dead-letter blobs under .*\/kv-cmk-prod\/ \(Event Grid writes topic and subscription folder names in upper case\)\./,
    );
    expect(code).toBe(0);
  });

  it.each([
    [["replay", "--since", "2026-11-20", "examples/events"], /use them with --dead-letter/],
    [["replay", "--dead-letter", "x", "--since", "yesterday"], /Expected an ISO 8601 date/],
    [
      ["replay", "--dead-letter", "x", "--since", "2026-11-21", "--until", "2026-11-20"],
      /--since must be before --until/,
    ],
    [["replay"], /give event files or directories, or --dead-letter/],
    [["replay", "--dead-letter", "http://storage.example.com/c"], /must use https/],
    [["replay", "examples/events", "--save-tenant", "out.json"], /use it with --tenant/],
  ])("usage errors exit 2: %j", async (args, message) => {
    const c = captureCliOutput();
    expect(await runCli(cliArgv(...args), c.io)).toBe(2);
    expect(c.err).toMatch(message);
  });

  it("without a connection string a bare container name is a usage error naming the variable", async () => {
    const saved = process.env.AZURE_STORAGE_CONNECTION_STRING;
    delete process.env.AZURE_STORAGE_CONNECTION_STRING;
    try {
      const c = captureCliOutput();
      expect(
        await runCli(
          cliArgv("replay", "--dead-letter", containerName, "--tenant", "examples/tenant.json"),
          c.io,
        ),
      ).toBe(2);
      expect(c.err).toMatch(/set AZURE_STORAGE_CONNECTION_STRING/);
    } finally {
      process.env.AZURE_STORAGE_CONNECTION_STRING = saved;
    }
  });
});
