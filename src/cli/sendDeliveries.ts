import { eventsSecretHeader } from "../core/events/eventsSharedSecret.js";
import { failure, usageError } from "./cliError.js";
import type { EventDelivery } from "./readEventInputs.js";

/** What the endpoint answered for one delivery. */
export interface SentDelivery {
  source: string;
  status: number;
  body: string;
}

/** How to reach the events endpoint: its URL and the secrets it wants (never printed). */
export interface TargetOptions {
  functionKey?: string | undefined;
  eventsSecret?: string | undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function isCloudEvents(body: unknown): boolean {
  const first: unknown = Array.isArray(body) ? body[0] : body;
  return typeof first === "object" && first !== null && "specversion" in first;
}

/** The target for messages: origin and path, never the query (a `?code=` function key). */
export function targetLabel(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

/** Parses and checks `--target`: a URL, https unless it is loopback. */
export function parseTarget(target: string): URL {
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
  return url;
}

const networkHints: Readonly<Record<string, string>> = {
  ECONNREFUSED:
    "nothing is listening there; start the Functions host (func start) or `cmkr serve --tenant FILE`",
  ENOTFOUND: "the host name does not resolve",
  EAI_AGAIN: "the host name could not be resolved (DNS)",
  ETIMEDOUT: "the connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "the connection timed out",
  ECONNRESET: "the connection was reset",
  UND_ERR_SOCKET: "the connection was closed",
  DEPTH_ZERO_SELF_SIGNED_CERT: "its TLS certificate is self-signed (trust its CA with NODE_EXTRA_CA_CERTS)",
  SELF_SIGNED_CERT_IN_CHAIN: "its TLS certificate is not trusted (trust its CA with NODE_EXTRA_CA_CERTS)",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    "its TLS certificate is not trusted (trust its CA with NODE_EXTRA_CA_CERTS)",
  CERT_HAS_EXPIRED: "its TLS certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "its TLS certificate is for another host name",
};

/**
 * The code behind a failed `fetch` (`fetch failed` says nothing): the cause's `code`, or the
 * first of several connection attempts' (IPv4 and IPv6 both refused).
 */
export function networkErrorCode(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | undefined)?.cause;
  const code = (cause as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  const errors = (cause as { errors?: unknown } | undefined)?.errors;
  if (Array.isArray(errors)) {
    const first = (errors[0] as { code?: unknown } | undefined)?.code;
    if (typeof first === "string") return first;
  }
  return undefined;
}

/** A `fetch` that failed to reach the target, as an error saying where, what and what to try. */
export function unreachable(url: URL, error: unknown): Error {
  const code = networkErrorCode(error);
  if (code === undefined && !(error instanceof TypeError)) return error as Error;
  const hint = code === undefined ? undefined : networkHints[code];
  return failure(
    `--target ${targetLabel(url)}: cannot reach it${code === undefined ? "" : ` (${code})`}${hint === undefined ? "" : `: ${hint}`}`,
    "TargetUnreachable",
  );
}

function secretHeaders(options: TargetOptions): Record<string, string> {
  const eventsSecret = options.eventsSecret ?? nonEmpty(process.env.CMKR_EVENTS_SHARED_SECRET);
  return {
    ...(options.functionKey === undefined ? {} : { "x-functions-key": options.functionKey }),
    ...(eventsSecret === undefined ? {} : { [eventsSecretHeader]: eventsSecret }),
  };
}

const notTheService =
  "is this the service's /api/events? `cmkr emulator` serves Azure's own APIs (ARM, Key Vault, Resource Graph), not the service's; to try /api/events locally run `cmkr serve --tenant FILE` and pass the URL it prints";

/**
 * Checks the target before any delivery is sent, with the CloudEvents validation handshake Event
 * Grid itself sends (`OPTIONS` with `WebHook-Request-Origin`; the service answers it with
 * `WebHook-Allowed-Origin`, acting on nothing). An endpoint that cannot be reached, refuses the
 * function key or is not the service's events endpoint fails here, once, with what to do.
 */
export async function checkTarget(url: URL, options: TargetOptions): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: "OPTIONS",
      headers: { "webhook-request-origin": "eventgrid.azure.net", ...secretHeaders(options) },
    });
  } catch (error) {
    throw unreachable(url, error);
  }
  await response.body?.cancel();
  if (response.ok && response.headers.has("webhook-allowed-origin")) return;
  const where = `--target ${targetLabel(url)}`;
  if (response.status === 401 || response.status === 403) {
    throw failure(
      `${where}: HTTP ${response.status} to the validation handshake: the function key is missing or wrong (set CMKR_FUNCTION_KEY to the app's function or host key); ${notTheService}`,
      "TargetUnauthorized",
    );
  }
  throw failure(
    `${where}: HTTP ${response.status} to the validation handshake (expected 200 with WebHook-Allowed-Origin): ${notTheService}`,
    "TargetNotEventsEndpoint",
  );
}

/**
 * Posts one delivery to the events endpoint the way Event Grid delivers it: Event Grid schema
 * batches as `application/json` with `aeg-event-type: Notification`; CloudEvents as
 * `application/cloudevents+json` (one) or `application/cloudevents-batch+json` (a batch). The
 * function key, if any, travels as `x-functions-key`, and the events shared secret (default
 * `CMKR_EVENTS_SHARED_SECRET`) as `x-cmkr-events-secret`; neither is ever printed.
 */
export async function sendDelivery(
  delivery: EventDelivery,
  url: URL,
  options: TargetOptions = {},
): Promise<SentDelivery> {
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
  let response: Response;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": contentType,
        ...(cloud ? {} : { "aeg-event-type": "Notification", "aeg-delivery-count": "0" }),
        ...secretHeaders(options),
      },
      body,
    });
  } catch (error) {
    throw unreachable(url, error);
  }
  return { source: delivery.source, status: response.status, body: await response.text() };
}

/** {@link sendDelivery} for each delivery in turn (tests and scripts). */
export async function sendDeliveries(
  deliveries: readonly EventDelivery[],
  target: string,
  options: TargetOptions = {},
): Promise<SentDelivery[]> {
  const url = parseTarget(target);
  const sent: SentDelivery[] = [];
  for (const delivery of deliveries) sent.push(await sendDelivery(delivery, url, options));
  return sent;
}
