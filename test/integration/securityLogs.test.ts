import { createServer } from "node:http";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inspect } from "node:util";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createEventsWebhookHandler } from "../../src/runtime/http/eventsWebhookHandler.js";
import { createJobWorkerHandler } from "../../src/runtime/triggers/jobWorkerHandler.js";
import { createRemediateHandler } from "../../src/runtime/http/remediateHandler.js";
import { createAzureClients } from "../../src/adapters/azure/azureClients.js";
import { decodeJobMessage } from "../../src/adapters/storage/storageJobQueue.js";
import { runCli } from "../../src/cli/runCli.js";
import type { ReportAction } from "../../src/core/report/report.js";
import { eventsSecretHeader } from "../../src/core/events/eventsSharedSecret.js";
import { githubSink } from "../../src/adapters/tickets/githubSink.js";
import type { TicketSink } from "../../src/core/tickets/ticketSink.js";
import { signatureHeader } from "../../src/core/tickets/webhookSignature.js";
import { webhookSink } from "../../src/adapters/tickets/webhookSink.js";
import { createServiceHarness, type ServiceHarness } from "../support/serviceHarness.js";
import { startTicketLoopback, type TicketLoopback } from "../support/ticketLoopback.js";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import { keyEventDelivery } from "../support/keyEvents.js";
import { tempDirs } from "../support/tempDir.js";
import { callerHeaders } from "../support/httpRequests.js";

const tempDir = tempDirs();

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;
const { keyName: KEY, vaultUrl: VAULT_URL } = SINGLE_KEY;

/** Recognisable test secrets: none may ever be written anywhere. */
const EVENTS_SECRET = "events-secret-LOGCAPTURE-NEVER-APPEAR-0123456789";
const WEBHOOK_SECRET = "webhook-secret-LOGCAPTURE-NEVER-APPEAR-42";
const GITHUB_TOKEN = "ghp_LOGCAPTURE0TOKEN0NEVER0APPEAR0987654";
const FUNCTION_KEY = "function-key-LOGCAPTURE-NEVER-APPEAR-55";

/** Everything the process writes: console.*, process.stdout/stderr and Functions invocation logs. */
class OutputCapture {
  readonly lines: string[] = [];
  private readonly restores: (() => void)[] = [];

  start(): void {
    for (const method of ["log", "info", "warn", "error", "debug", "trace"] as const) {
      const original = console[method].bind(console);
      console[method] = (...args: unknown[]) => {
        this.lines.push(args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 20 }))).join(" "));
      };
      this.restores.push(() => {
        console[method] = original;
      });
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      const write = (chunk: string | Uint8Array): boolean => {
        this.lines.push(typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
        return true;
      };
      stream.write = write;
      this.restores.push(() => {
        stream.write = original;
      });
    }
  }

  stop(): void {
    for (const restore of this.restores.splice(0).reverse()) restore();
  }

  /** An InvocationContext whose logs (every level) are captured too. */
  context(functionName: string): InvocationContext {
    return new InvocationContext({
      functionName,
      invocationId: `inv-${functionName}`,
      logHandler: (level, ...args) => {
        this.lines.push(
          `${level}: ${args.map((a) => (typeof a === "string" ? a : inspect(a, { depth: 20 }))).join(" ")}`,
        );
      },
    });
  }

  text(): string {
    return this.lines.join("\n");
  }
}

let capture: OutputCapture | undefined;
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  capture?.stop();
  capture = undefined;
  for (const s of servers.splice(0)) await s.close();
});

/** Three consumers: one remediated over HTTP, one rotated by the worker, one refused (ticketed). */
async function serviceWith(tickets: TicketSink): Promise<{ h: ServiceHarness; des: string[] }> {
  const b = new SingleKeyTenant({
    versions: [
      { version: V1, createdOn: "2026-01-01T00:00:00Z" },
      { version: V2, createdOn: "2026-11-20T00:00:00Z" },
    ],
  });
  const des = [
    b.diskEncryptionSet("des-http").id,
    b.diskEncryptionSet("des-worker").id,
    b.diskEncryptionSet("des-refused", { access: "none" }).id,
  ];
  const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"), {
    env: { CMKR_EVENTS_SHARED_SECRET: EVENTS_SECRET },
    tickets,
  });
  return { h, des };
}

/** Runs every queued job through the Functions queue handler, as the host would. */
async function runWorker(h: ServiceHarness, out: OutputCapture): Promise<ReportAction[]> {
  const worker = createJobWorkerHandler(() => Promise.resolve(h.runtime));
  const actions: ReportAction[] = [];
  for (;;) {
    const { receivedMessageItems } = await h.runtime.jobQueue.receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return actions;
    for (const item of receivedMessageItems) {
      actions.push(...((await worker(decodeJobMessage(item.messageText), out.context("jobWorker"))) ?? []));
      await h.runtime.jobQueue.deleteMessage(item.messageId, item.popReceipt);
    }
  }
}

/** The events handler behind a loopback server that checks the function key, as the host does. */
async function eventsEndpoint(h: ServiceHarness, out: OutputCapture): Promise<string> {
  const handler = createEventsWebhookHandler(() => Promise.resolve(h.runtime));
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        if (req.headers["x-functions-key"] !== FUNCTION_KEY) {
          res.writeHead(401).end();
          return;
        }
        const answer = await handler(
          new HttpRequest({
            method: req.method ?? "POST",
            url: `http://127.0.0.1${req.url ?? "/"}`,
            headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
            body: { string: Buffer.concat(chunks).toString("utf8") },
          }),
          out.context("events"),
        );
        res
          .writeHead(answer.status ?? 200, {
            "content-type": "application/json",
            ...(answer.headers as Record<string, string> | undefined),
          })
          .end(JSON.stringify(answer.jsonBody ?? answer.body ?? {}));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      }),
  });
  const address = server.address();
  return `http://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/api/events`;
}

/** Text forms of the key's public modulus, as a log line could carry them. */
async function keyMaterial(h: ServiceHarness): Promise<string[]> {
  const clients = createAzureClients({
    credential: h.emulator.credential(),
    httpClient: h.emulator.httpClient(),
  });
  const key = await (await clients.keys(VAULT_URL)).getKey(KEY);
  const n = Buffer.from(key.key?.n ?? new Uint8Array());
  expect(n.length).toBeGreaterThan(100);
  return [n.toString("base64url"), n.toString("base64"), n.toString("hex")].map((s) => s.slice(8, 40));
}

/** The full flow: replay with the shared secret, worker rotations, a ticket, HTTP remediate. */
async function fullRun(h: ServiceHarness, des: string[], out: OutputCapture): Promise<ReportAction[]> {
  const remediate = createRemediateHandler(() => Promise.resolve(h.runtime));
  const remediated = await remediate(
    new HttpRequest({
      method: "POST",
      url: "https://app/api/remediate",
      body: { string: JSON.stringify({ resourceId: des[0], apply: true }) },
      headers: { "content-type": "application/json", "x-functions-key": FUNCTION_KEY, ...callerHeaders() },
    }),
    out.context("remediate"),
  );
  expect(remediated.status).toBe(200);

  const target = await eventsEndpoint(h, out);
  const dir = await tempDir();
  await writeFile(join(dir, "key-event.json"), JSON.stringify(keyEventDelivery(V2)));
  process.env.CMKR_FUNCTION_KEY = FUNCTION_KEY;
  process.env.CMKR_EVENTS_SHARED_SECRET = EVENTS_SECRET;
  try {
    const code = await runCli(["node", "cmkr", "replay", dir, "--target", target], {
      out: (t) => out.lines.push(t),
      err: (t) => out.lines.push(t),
    });
    expect(code).toBe(0);
  } finally {
    delete process.env.CMKR_FUNCTION_KEY;
    delete process.env.CMKR_EVENTS_SHARED_SECRET;
  }
  // A delivery with a wrong secret is refused and leaves no trace of either secret.
  const refused = await createEventsWebhookHandler(() => Promise.resolve(h.runtime))(
    new HttpRequest({
      method: "POST",
      url: "https://app/api/events",
      body: { string: JSON.stringify(keyEventDelivery(V2, { id: "wrong-secret" })) },
      headers: { "content-type": "application/json", [eventsSecretHeader]: `${EVENTS_SECRET}-wrong` },
    }),
    out.context("events"),
  );
  expect(refused.status).toBe(401);
  return runWorker(h, out);
}

function expectNothingSecret(text: string, extra: readonly string[]): void {
  for (const secret of [EVENTS_SECRET, WEBHOOK_SECRET, GITHUB_TOKEN, FUNCTION_KEY, ...extra]) {
    expect(text).not.toContain(secret);
  }
  // Bearer tokens (the emulator credential issues JWTs: base64url JSON starts with "eyJ").
  expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/);
  expect(text).not.toMatch(/bearer\s+\S/i);
  // Signatures and JWK members.
  expect(text).not.toMatch(/sha256=[0-9a-f]{16}/i);
  expect(text).not.toMatch(/"(n|e)"\s*:\s*"/);
}

describe("no secret, token, key material or signature in any output of a full run", () => {
  it("webhook sink with a signing secret; events shared secret; function key; HTTP remediate", async () => {
    let receiver: TicketLoopback | undefined = undefined;
    receiver = await startTicketLoopback(() => ({
      status: 200,
      json: { id: "T-1", url: "https://tickets/T-1" },
    }));
    servers.push(receiver);
    const { h, des } = await serviceWith(
      webhookSink({ url: `${receiver.url}/hooks/cmk`, secret: WEBHOOK_SECRET }),
    );
    const material = await keyMaterial(h);

    capture = new OutputCapture();
    capture.start();
    const actions = await fullRun(h, des, capture);
    capture.stop();

    expect(actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ resourceId: des[1], action: "rotate-key", status: "applied" }),
        expect.objectContaining({ resourceId: des[2], action: "refuse" }),
      ]),
    );
    const signatures = receiver.received.map((r) => String(r.headers[signatureHeader] ?? ""));
    expect(signatures.length).toBeGreaterThan(0);
    expect(signatures.every((s) => s.startsWith("sha256="))).toBe(true);
    const text = capture.text();
    expect(text).toContain(des[1]);
    expectNothingSecret(text, [...material, ...signatures.map((s) => s.slice("sha256=".length))]);
  });

  it("github sink with a token, through failures whose answers echo the token", async () => {
    let failures = 0;
    const github = await startTicketLoopback((r) => {
      if (r.headers.authorization !== `token ${GITHUB_TOKEN}`)
        return { status: 401, json: { message: "Bad credentials" } };
      // Every attempt of the first run fails, echoing the credential, so the failure is logged.
      if (failures < 3) {
        failures++;
        return { status: 500, json: { message: `internal error for ${r.headers.authorization}` } };
      }
      return { status: 201, json: { number: 7, html_url: "https://github.com/contoso/cmk/issues/7" } };
    });
    servers.push(github);
    const { h, des } = await serviceWith(
      githubSink({ owner: "contoso", repo: "cmk", token: GITHUB_TOKEN, baseUrl: github.url }),
    );
    const material = await keyMaterial(h);

    capture = new OutputCapture();
    capture.start();
    await fullRun(h, des, capture);
    capture.stop();

    expect(failures).toBe(3);
    const text = capture.text();
    // The failure was written out (so the capture saw it), without the token it echoed.
    expect(text).toMatch(/github/i);
    expect(text).toMatch(/500/);
    expectNothingSecret(text, material);
  });
});
