import { RestError } from "@azure/core-rest-pipeline";
import { describe, expect, it } from "vitest";
import {
  networkError,
  redact,
  sinkErrorForStatus,
  TicketSinkError,
  toTicketSinkError,
} from "../../src/core/tickets/ticketSink.js";

const now = Date.parse("2026-11-22T12:00:00Z");

describe("sink error classification", () => {
  it.each([
    [401, "TicketSinkUnauthorized", false],
    [403, "TicketSinkUnauthorized", false],
    [400, "TicketSinkRejected", false],
    [404, "TicketSinkRejected", false],
    [410, "TicketSinkRejected", false],
    [422, "TicketSinkRejected", false],
    [408, "TicketSinkFailed", true],
    [429, "TicketSinkFailed", true],
    [500, "TicketSinkFailed", true],
    [503, "TicketSinkFailed", true],
  ] as const)("HTTP %i is %s (retryable %s)", (status, code, retryable) => {
    const error = sinkErrorForStatus("github", "creating the issue", { status });
    expect(error).toBeInstanceOf(TicketSinkError);
    expect(error).toMatchObject({ code, retryable, status, sink: "github" });
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message.startsWith("github: creating the issue")).toBe(true);
  });

  it("treats a 403 with rate limit headers as throttling, with the time to wait", () => {
    const limited = sinkErrorForStatus(
      "github",
      "x",
      {
        status: 403,
        headers: { "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": String(now / 1000 + 90) },
      },
      now,
    );
    expect(limited).toMatchObject({ code: "TicketSinkFailed", retryable: true, retryAfterMs: 90_000 });
    const secondary = sinkErrorForStatus(
      "github",
      "x",
      { status: 403, headers: { "retry-after": "60" } },
      now,
    );
    expect(secondary).toMatchObject({ code: "TicketSinkFailed", retryAfterMs: 60_000 });
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const headers = new Headers({ "retry-after": new Date(now + 5_000).toUTCString() });
    expect(sinkErrorForStatus("azure-devops", "x", { status: 429, headers }, now).retryAfterMs).toBe(5_000);
    expect(
      sinkErrorForStatus("azure-devops", "x", { status: 503, headers: { "Retry-After": "2" } }, now),
    ).toMatchObject({
      retryAfterMs: 2_000,
    });
  });

  it("classifies SDK errors by statusCode (RestError) or status, and keeps sink errors as they are", () => {
    const rest = new RestError("Server busy", { statusCode: 503 });
    expect(toTicketSinkError("azure-devops", "x", rest)).toMatchObject({
      code: "TicketSinkFailed",
      status: 503,
    });
    expect(
      toTicketSinkError("github", "x", { status: 401, response: { data: { message: "Bad credentials" } } }),
    ).toMatchObject({
      code: "TicketSinkUnauthorized",
      message: expect.stringContaining("Bad credentials") as unknown,
    });
    const own = new TicketSinkError("TicketSinkRejected", "file", "m", { retryable: false });
    expect(toTicketSinkError("file", "x", own)).toBe(own);
  });

  it("reports a failure without an answer as a retryable network error naming only its code", () => {
    const refused = Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1 (Authorization: token s3cr3t)"), {
        code: "ECONNREFUSED",
      }),
    });
    const error = networkError("webhook", "posting the new ticket", refused);
    expect(error).toMatchObject({ code: "TicketSinkFailed", retryable: true });
    expect(error.message).toBe("webhook: posting the new ticket failed: ECONNREFUSED");
    expect(networkError("github", "x", new DOMException("t", "TimeoutError")).message).toContain("timed out");
  });

  it("removes secrets from outside text and shortens it", () => {
    expect(redact("token abcd1234 refused; abcd1234 again", ["abcd1234", undefined, "ab"])).toBe(
      "token [redacted] refused; [redacted] again",
    );
    expect(redact("x".repeat(1000), []).length).toBeLessThanOrEqual(301);
  });
});
