import { createServer } from "node:http";
import { HttpRequest, InvocationContext } from "@azure/functions";
import { describe, expect, inject, it } from "vitest";
import { createEventsWebhookHandler } from "../../src/runtime/http/eventsWebhookHandler.js";
import { runCli } from "../../src/cli/runCli.js";
import { createServiceHarness } from "../support/serviceHarness.js";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import { keyEventDelivery } from "../support/keyEvents.js";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDirs } from "../support/tempDir.js";

const tempDir = tempDirs();

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;

const FUNCTION_KEY = "test-function-key-THIS-IS-SECRET";

describe("cmkr replay --target", () => {
  it("posts each delivery to the events endpoint as Event Grid would, and the endpoint plans it", async () => {
    const b = new SingleKeyTenant({
      versions: [
        { version: V1, createdOn: "2026-01-01T00:00:00Z" },
        { version: V2, createdOn: "2026-11-20T00:00:00Z" },
      ],
    });
    const des = b.diskEncryptionSet("des-1").id;
    const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"));
    const handler = createEventsWebhookHandler(() => Promise.resolve(h.runtime));
    const seen: { headers: Record<string, string | string[] | undefined>; status: number }[] = [];
    // The Functions handler behind a real loopback HTTP server, with the function key check the host does.
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        void (async () => {
          if (req.headers["x-functions-key"] !== FUNCTION_KEY) {
            res.writeHead(401).end();
            seen.push({ headers: req.headers, status: 401 });
            return;
          }
          const request = new HttpRequest({
            method: req.method ?? "POST",
            url: `http://127.0.0.1${req.url ?? "/"}`,
            headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
            body: { string: Buffer.concat(chunks).toString("utf8") },
          });
          const response = await handler(
            request,
            new InvocationContext({ functionName: "events", invocationId: "i", logHandler: () => undefined }),
          );
          seen.push({ headers: req.headers, status: response.status ?? 200 });
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
      const dir = await tempDir();
      await writeFile(join(dir, "01.json"), JSON.stringify(keyEventDelivery(V2)));
      await writeFile(
        join(dir, "02.ndjson"),
        `${JSON.stringify(keyEventDelivery(V2, { id: "another" })[0])}\n`,
      );
      let out = "";
      let err = "";
      process.env.CMKR_FUNCTION_KEY = FUNCTION_KEY;
      const code = await runCli(
        ["node", "cmkr", "replay", dir, "--target", `http://127.0.0.1:${port}/api/events`],
        {
          out: (t) => (out += t),
          err: (t) => (err += t),
        },
      );
      expect(err).toBe("");
      expect(code).toBe(0);
      expect(out).toMatch(/Sent 2 deliveries to http:\/\/127\.0\.0\.1:\d+\/api\/events; 0 not accepted/);
      expect(out).not.toContain(FUNCTION_KEY);
      // The CloudEvents validation handshake first (the target is checked before anything is sent).
      expect(seen.map((s) => [s.status, s.headers["aeg-event-type"], s.headers["content-type"]])).toEqual([
        [200, undefined, undefined],
        [200, "Notification", "application/json; charset=utf-8"],
        [200, "Notification", "application/json; charset=utf-8"],
      ]);
      await h.drain();
      expect(JSON.stringify(h.emulator.state.getResource(des)?.body)).toContain(V2);

      // A wrong key fails once, at the handshake, saying what to set; no delivery is sent.
      process.env.CMKR_FUNCTION_KEY = "not-the-key-SECRET";
      let err2 = "";
      const before = seen.length;
      expect(
        await runCli(["node", "cmkr", "replay", dir, "--target", `http://127.0.0.1:${port}/api/events`], {
          out: () => undefined,
          err: (t) => (err2 += t),
        }),
      ).toBe(1);
      expect(err2).toMatch(
        /^error: --target http:\/\/127\.0\.0\.1:\d+\/api\/events: HTTP 401 to the validation handshake: the function key is missing or wrong \(set CMKR_FUNCTION_KEY/,
      );
      expect(err2).not.toContain("not-the-key-SECRET");
      expect(seen.slice(before).map((s) => s.headers["content-type"])).toEqual([undefined]);
      expect(
        await runCli(["node", "cmkr", "replay", dir, "--target", "http://example.com/api/events"], {
          out: () => undefined,
          err: () => undefined,
        }),
      ).toBe(2);
    } finally {
      delete process.env.CMKR_FUNCTION_KEY;
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    }
  });
});
