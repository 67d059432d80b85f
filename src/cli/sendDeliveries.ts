import { eventsSecretHeader } from "../core/events/eventsSharedSecret.js";
import { usageError } from "./cliError.js";
import type { EventDelivery } from "./readEventInputs.js";

/** What the endpoint answered for one delivery. */
export interface SentDelivery {
  source: string;
  status: number;
  body: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function isCloudEvents(body: unknown): boolean {
  const first: unknown = Array.isArray(body) ? body[0] : body;
  return typeof first === "object" && first !== null && "specversion" in first;
}

/**
 * Posts each delivery to a deployed events endpoint the way Event Grid delivers it: Event Grid
 * schema batches as `application/json` with `aeg-event-type: Notification`; CloudEvents as
 * `application/cloudevents+json` (one) or `application/cloudevents-batch+json` (a batch). The
 * function key, if any, travels as `x-functions-key`, and the events shared secret (default
 * `CMKR_EVENTS_SHARED_SECRET`) as `x-cmkr-events-secret`; neither is ever printed.
 */
export async function sendDeliveries(
  deliveries: readonly EventDelivery[],
  target: string,
  options: { functionKey?: string | undefined; eventsSecret?: string | undefined } = {},
): Promise<SentDelivery[]> {
  const eventsSecret = options.eventsSecret ?? nonEmpty(process.env.CMKR_EVENTS_SHARED_SECRET);
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw usageError(`--target ${target} is not a URL`, "TargetInvalid");
  }
  if (url.protocol !== "https:" && !["127.0.0.1", "localhost", "[::1]"].includes(url.hostname)) {
    throw usageError(
      `--target must use https (plain http only for loopback): ${url.origin}`,
      "TargetInsecure",
    );
  }
  const sent: SentDelivery[] = [];
  for (const delivery of deliveries) {
    const cloud = isCloudEvents(delivery.body);
    const contentType = cloud
      ? Array.isArray(delivery.body)
        ? "application/cloudevents-batch+json; charset=utf-8"
        : "application/cloudevents+json; charset=utf-8"
      : "application/json; charset=utf-8";
    const body =
      cloud || Array.isArray(delivery.body) || typeof delivery.body !== "object"
        ? delivery.text
        : JSON.stringify([delivery.body]);
    const response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": contentType,
        ...(cloud ? {} : { "aeg-event-type": "Notification", "aeg-delivery-count": "0" }),
        ...(options.functionKey === undefined ? {} : { "x-functions-key": options.functionKey }),
        ...(eventsSecret === undefined ? {} : { [eventsSecretHeader]: eventsSecret }),
      },
      body,
    });
    sent.push({ source: delivery.source, status: response.status, body: await response.text() });
  }
  return sent;
}
