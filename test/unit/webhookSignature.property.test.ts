import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { signWebhook, verifyWebhookSignature } from "../../src/core/tickets/webhookSignature.js";

const settings = { seed: 31337, numRuns: 300 };

const secretArb = fc.string({ minLength: 16, maxLength: 64 });
const bodyArb = fc.oneof(fc.json({ maxDepth: 3 }), fc.string({ unit: "grapheme", maxLength: 200 }));
/** Seconds since the epoch, 2001 to 2286. */
const secondsArb = fc.integer({ min: 1_000_000_000, max: 9_999_999_999 });
const toleranceArb = fc.integer({ min: 1, max: 3600 });

/** Changes one character of a string to another one. */
const changedArb = (value: string) =>
  fc
    .tuple(fc.nat({ max: Math.max(0, value.length - 1) }), fc.string({ minLength: 1, maxLength: 1 }))
    .map(([at, c]) => `${value.slice(0, at)}${c}${value.slice(at + 1)}`)
    .filter((v) => v !== value);

describe("webhook signatures (property-based)", () => {
  it("accepts every genuine signature within the tolerance, as text or bytes", () => {
    fc.assert(
      fc.property(
        secretArb,
        bodyArb,
        secondsArb,
        toleranceArb,
        fc.double({ min: -1, max: 1, noNaN: true }),
        (secret, body, seconds, tolerance, skew) => {
          const timestamp = String(seconds);
          const header = signWebhook(secret, timestamp, body);
          const now = (seconds + Math.trunc(skew * tolerance)) * 1000;
          const options = { now, toleranceSeconds: tolerance };
          expect(verifyWebhookSignature(secret, timestamp, body, header, options)).toBe(true);
          expect(verifyWebhookSignature(secret, timestamp, Buffer.from(body, "utf8"), header, options)).toBe(
            true,
          );
        },
      ),
      settings,
    );
  });

  it("rejects any change of the body", () => {
    fc.assert(
      fc.property(
        secretArb,
        bodyArb.chain((body) =>
          fc.tuple(fc.constant(body), fc.oneof(changedArb(body), fc.constant(`${body} `))),
        ),
        secondsArb,
        (secret, [body, changed], seconds) => {
          fc.pre(Buffer.compare(Buffer.from(body), Buffer.from(changed)) !== 0);
          const timestamp = String(seconds);
          const header = signWebhook(secret, timestamp, body);
          expect(verifyWebhookSignature(secret, timestamp, changed, header, { now: seconds * 1000 })).toBe(
            false,
          );
        },
      ),
      settings,
    );
  });

  it("rejects any other timestamp, even one inside the tolerance", () => {
    fc.assert(
      fc.property(
        secretArb,
        bodyArb,
        secondsArb,
        fc.integer({ min: -300, max: 300 }),
        (secret, body, seconds, d) => {
          fc.pre(d !== 0);
          const header = signWebhook(secret, String(seconds), body);
          expect(
            verifyWebhookSignature(secret, String(seconds + d), body, header, { now: seconds * 1000 }),
          ).toBe(false);
        },
      ),
      settings,
    );
  });

  it("rejects any change of the signature, and any other secret", () => {
    fc.assert(
      fc.property(
        secretArb,
        secretArb,
        bodyArb,
        secondsArb,
        fc.nat({ max: 63 }),
        (secret, other, body, seconds, at) => {
          const timestamp = String(seconds);
          const header = signWebhook(secret, timestamp, body);
          const hexPart = header.slice("sha256=".length);
          const flipped = (Number.parseInt(hexPart[at]!, 16) ^ 1).toString(16);
          const tampered = `sha256=${hexPart.slice(0, at)}${flipped}${hexPart.slice(at + 1)}`;
          const options = { now: seconds * 1000 };
          expect(verifyWebhookSignature(secret, timestamp, body, tampered, options)).toBe(false);
          expect(verifyWebhookSignature(secret, timestamp, body, header.slice(0, -1), options)).toBe(false);
          expect(verifyWebhookSignature(secret, timestamp, body, `${header}0`, options)).toBe(false);
          if (other !== secret)
            expect(verifyWebhookSignature(other, timestamp, body, header, options)).toBe(false);
        },
      ),
      settings,
    );
  });

  it("rejects genuine signatures outside the tolerance (stale or from the future)", () => {
    fc.assert(
      fc.property(
        secretArb,
        bodyArb,
        secondsArb,
        toleranceArb,
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.boolean(),
        (secret, body, seconds, tolerance, beyond, future) => {
          const timestamp = String(seconds);
          const header = signWebhook(secret, timestamp, body);
          const offset = (tolerance + beyond) * (future ? -1 : 1);
          expect(
            verifyWebhookSignature(secret, timestamp, body, header, {
              now: (seconds + offset) * 1000,
              toleranceSeconds: tolerance,
            }),
          ).toBe(false);
        },
      ),
      settings,
    );
  });

  it("arbitrary headers and timestamps never verify and never throw", () => {
    fc.assert(
      fc.property(
        secretArb,
        bodyArb,
        fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
        fc.option(
          fc.oneof(
            fc.string({ maxLength: 80 }),
            fc.stringMatching(/^sha256=[0-9a-f]{64}$/),
            fc.stringMatching(/^sha256=[0-9A-F]{0,70}$/),
          ),
          { nil: undefined },
        ),
        (secret, body, timestamp, header) => {
          const now = Number(timestamp ?? "0") * 1000;
          expect(verifyWebhookSignature(secret, timestamp, body, header, { now })).toBe(false);
        },
      ),
      settings,
    );
  });
});
