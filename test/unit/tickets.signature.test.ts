import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "../../src/core/tickets/webhookSignature.js";

const secret = "a-shared-secret-of-some-length";
const now = Date.parse("2026-11-22T12:00:00Z");
const timestamp = String(now / 1000);
const body = '{"event":"ticket.opened","ticket":{"title":"Ünïcode ✓"}}';

describe("webhook signatures", () => {
  it("signs `${timestamp}.${body}` with HMAC-SHA256 as sha256=<hex>", () => {
    const expected = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
    expect(signWebhook(secret, timestamp, body)).toBe(`sha256=${expected}`);
    expect(signWebhook(secret, timestamp, Buffer.from(body, "utf8"))).toBe(`sha256=${expected}`);
  });

  it("accepts the right signature, as string or bytes, within the tolerance", () => {
    const header = signWebhook(secret, timestamp, body);
    expect(verifyWebhookSignature(secret, timestamp, body, header, { now })).toBe(true);
    expect(
      verifyWebhookSignature(
        secret,
        timestamp,
        Buffer.from(body),
        header.toUpperCase().replace("SHA256=", "sha256="),
        { now },
      ),
    ).toBe(true);
    expect(verifyWebhookSignature(secret, timestamp, body, header, { now: now + 299_000 })).toBe(true);
  });

  it.each([
    ["another body", secret, timestamp, body + " ", undefined],
    ["another secret", "another-secret-of-some-length", timestamp, body, undefined],
    ["a stale timestamp", secret, timestamp, body, now + 301_000],
    ["a timestamp from the future", secret, timestamp, body, now - 301_000],
  ])("refuses %s", (_what, key, ts, text, at) => {
    const header = signWebhook(secret, timestamp, body);
    expect(verifyWebhookSignature(key, ts, text, header, { now: at ?? now })).toBe(false);
  });

  it("refuses missing or malformed headers and timestamps", () => {
    const header = signWebhook(secret, timestamp, body);
    expect(verifyWebhookSignature(secret, undefined, body, header, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, body, undefined, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, "1.7e9", body, header, { now })).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, body, "sha256=00", { now })).toBe(false);
    expect(verifyWebhookSignature(secret, timestamp, body, header.replace("sha256=", "sha1="), { now })).toBe(
      false,
    );
    // A signature made with the timestamp left out does not pass.
    const unsignedTime = `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
    expect(verifyWebhookSignature(secret, timestamp, body, unsignedTime, { now })).toBe(false);
  });

  it("honours a custom tolerance", () => {
    const header = signWebhook(secret, timestamp, body);
    expect(
      verifyWebhookSignature(secret, timestamp, body, header, { now: now + 10_000, toleranceSeconds: 5 }),
    ).toBe(false);
  });
});
