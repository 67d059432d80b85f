import { afterEach, describe, expect, it } from "vitest";
import { githubSink } from "../../src/adapters/tickets/githubSink.js";
import { dispatchTickets } from "../../src/app/tickets/ticketDispatcher.js";
import { TicketSinkError } from "../../src/core/tickets/ticketSink.js";
import { InMemoryTicketStore } from "../support/inMemoryTicketStore.js";
import {
  startTicketLoopback,
  type TicketAnswer,
  type TicketLoopback,
  type TicketRequestSeen,
} from "../support/ticketLoopback.js";
import { GITHUB_TOKEN, ticketContent } from "./ticketsFixtures.js";

let server: TicketLoopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Answers like the GitHub REST API for contoso/cmk, after checking the token; `before` may answer first. */
async function github(before?: (r: TicketRequestSeen) => TicketAnswer | undefined): Promise<TicketLoopback> {
  let issues = 0;
  server = await startTicketLoopback((r) => {
    if (r.headers.authorization !== `token ${GITHUB_TOKEN}`)
      return {
        status: 401,
        json: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" },
      };
    const early = before?.(r);
    if (early !== undefined) return early;
    if (r.method === "POST" && r.url === "/repos/contoso/cmk/issues") {
      issues++;
      return {
        status: 201,
        json: { number: 41 + issues, html_url: `https://github.com/contoso/cmk/issues/${41 + issues}` },
      };
    }
    const comment = /^\/repos\/contoso\/cmk\/issues\/(\d+)\/comments$/.exec(r.url);
    if (r.method === "POST" && comment !== null)
      return {
        status: 201,
        json: { id: 900, html_url: `https://github.com/contoso/cmk/issues/${comment[1]}#issuecomment-900` },
      };
    if (r.method === "PATCH" && /^\/repos\/contoso\/cmk\/issues\/\d+$/.test(r.url))
      return { status: 200, json: { number: 42, state: "closed" } };
    return { status: 404, json: { message: "Not Found" } };
  });
  return server;
}

const sinkFor = (s: TicketLoopback, token = GITHUB_TOKEN) =>
  githubSink({ owner: "contoso", repo: "cmk", token, baseUrl: s.url, labels: ["team:platform"] });

const fast = { backoffMs: 0, log: () => undefined };

describe("GitHub sink against a loopback GitHub API", () => {
  it("opens an issue with labels, comments on it, then closes it as completed with a comment", async () => {
    const s = await github();
    const sink = sinkFor(s);
    const ticket = { ...ticketContent(), labels: ["needs-owner"] };
    const ref = await sink.open(ticket);
    expect(ref).toEqual({
      sink: "github",
      externalId: "42",
      url: "https://github.com/contoso/cmk/issues/42",
    });
    await sink.update(ref, ticket, "Seen again: 2 times in total.");
    await sink.close(ref, "Resolved: the resource was deleted.");

    expect(s.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      "POST /repos/contoso/cmk/issues",
      "POST /repos/contoso/cmk/issues/42/comments",
      "PATCH /repos/contoso/cmk/issues/42",
      "POST /repos/contoso/cmk/issues/42/comments",
    ]);
    for (const r of s.received) {
      expect(r.headers["content-type"]).toMatch(/^application\/json/);
      expect(r.headers.accept).toBe("application/vnd.github.v3+json");
      expect(r.headers["user-agent"]).toMatch(/^cmk-remediation/);
    }
    const [create, update, close, closing] = s.received.map(
      (r) => JSON.parse(r.body) as Record<string, unknown>,
    );
    expect(create).toEqual({
      title: ticket.title,
      body: ticket.body,
      labels: ["cmk-remediation", "severity:high", "DiskPlatformKey", "team:platform", "needs-owner"],
    });
    expect(update).toEqual({ body: "Seen again: 2 times in total." });
    expect(close).toEqual({ state: "closed", state_reason: "completed" });
    expect(closing).toEqual({ body: "Resolved: the resource was deleted." });
  });

  it("401: TicketSinkUnauthorized, not retried by the dispatcher", async () => {
    const s = await github();
    const sink = sinkFor(s, "ghp_wrong-token-0000");
    const error = await sink.open(ticketContent()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TicketSinkError);
    expect(error).toMatchObject({
      code: "TicketSinkUnauthorized",
      retryable: false,
      status: 401,
      sink: "github",
    });
    expect((error as Error).message).toContain("Bad credentials");

    const store = new InMemoryTicketStore();
    store.request(ticketContent(1));
    store.request(ticketContent(2));
    const before = s.received.length;
    const result = await dispatchTickets(store, sink, { ...fast, maxAttemptsPerRun: 5, concurrency: 1 });
    expect(s.received.length - before).toBe(1);
    expect(store.pending()).toHaveLength(1);
    expect(result.halted).toBe("the sink refused the credential");
    expect(result.failed.map((f) => f.error.code)).toEqual(["TicketSinkUnauthorized"]);
  });

  it("503 then 201: the dispatcher retries and the issue is opened once", async () => {
    let failures = 1;
    const s = await github((r) =>
      r.method === "POST" && failures-- > 0
        ? { status: 503, json: { message: "Service Unavailable" } }
        : undefined,
    );
    const store = new InMemoryTicketStore();
    store.request(ticketContent());
    const result = await dispatchTickets(store, sinkFor(s), fast);
    expect(s.received.map((r) => r.method)).toEqual(["POST", "POST"]);
    expect(result.opened).toEqual([
      { sink: "github", externalId: "42", url: "https://github.com/contoso/cmk/issues/42" },
    ]);
    expect(store.get(ticketContent())).toMatchObject({ state: "open", ref: { externalId: "42" } });
    const body = (JSON.parse(s.received[1]!.body) as { body: string }).body;
    expect(body).toContain("Opened by the CMK remediation service");
  });

  it("5xx forever: bounded tries, then the request stays pending with the error", async () => {
    const s = await github(() => ({ status: 502, json: { message: "Bad Gateway" } }));
    const store = new InMemoryTicketStore();
    store.request(ticketContent());
    const result = await dispatchTickets(store, sinkFor(s), { ...fast, maxAttemptsPerRun: 3 });
    expect(s.received).toHaveLength(3);
    expect(result.failed[0]?.error).toMatchObject({ code: "TicketSinkFailed", retryable: true });
    expect(store.pending()).toHaveLength(1);
    expect(store.get(ticketContent())).toMatchObject({
      state: "requested",
      blocked: false,
      lastError: { code: "TicketSinkFailed" },
    });
  });

  it("a 403 rate limit is retryable with the reset time; a 422 is a rejection with GitHub's reason", async () => {
    const reset = Math.floor(Date.now() / 1000) + 3600;
    let answer: TicketAnswer = {
      status: 403,
      json: { message: "API rate limit exceeded" },
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
    };
    const s = await github(() => answer);
    const limited = await sinkFor(s)
      .open(ticketContent())
      .catch((e: unknown) => e);
    expect(limited).toMatchObject({ code: "TicketSinkFailed", retryable: true, status: 403 });
    expect((limited as TicketSinkError).retryAfterMs).toBeGreaterThan(3_000_000);

    answer = { status: 422, json: { message: "Validation Failed", errors: [{ field: "labels" }] } };
    const rejected = await sinkFor(s)
      .update({ sink: "github", externalId: "42", url: "u" }, ticketContent(), "n")
      .catch((e: unknown) => e);
    expect(rejected).toMatchObject({ code: "TicketSinkRejected", retryable: false, status: 422 });
    expect((rejected as Error).message).toBe(
      "github: commenting on the issue was rejected (HTTP 422): Validation Failed",
    );
  });

  it("no answer at all (nothing listening) is a retryable network failure", async () => {
    const s = await github();
    const url = s.url;
    await s.close();
    server = undefined;
    const error = await githubSink({ owner: "contoso", repo: "cmk", token: GITHUB_TOKEN, baseUrl: url })
      .open(ticketContent())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "TicketSinkFailed", retryable: true });
    expect((error as Error).message).toBe("github: creating the issue failed: ECONNREFUSED");
  });
});
