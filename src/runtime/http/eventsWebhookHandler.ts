import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { ServiceRuntime } from "../serviceRuntime.js";
import { handleEvents } from "../../app/handleEvents.js";
import { decodeDeliveryText } from "../../core/events/decodeDelivery.js";
import { eventsSecretHeader, eventsSecretMatches } from "../../core/events/eventsSharedSecret.js";
import { maxBodyBytes, problem, readBody } from "./httpProblem.js";

/**
 * `/api/events`: Event Grid deliveries over HTTP, in the Event Grid or CloudEvents schema, fed to
 * the same pipeline as the Event Grid triggers; also the target of `cmkr replay --target`. Answers
 * the Event Grid subscription validation handshake and the CloudEvents OPTIONS handshake.
 *
 * With `CMKR_EVENTS_SHARED_SECRET` set, a delivery without the secret in `x-cmkr-events-secret` is
 * refused with 401 before its body is read. The handshakes are answered without it: they act on
 * nothing, and Event Grid may validate before it sends delivery attributes. Resources outside the
 * configured scope are dropped at planning, so even an authenticated delivery cannot widen it.
 */
export function createEventsWebhookHandler(runtime: () => Promise<ServiceRuntime>) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    if (request.method === "OPTIONS") {
      const origin = request.headers.get("webhook-request-origin");
      if (origin === null)
        return problem(400, "Missing header", "WebHook-Request-Origin is required", "WebHook-Request-Origin");
      const rate = request.headers.get("webhook-request-rate");
      return {
        status: 200,
        headers: {
          "WebHook-Allowed-Origin": origin,
          ...(rate === null ? {} : { "WebHook-Allowed-Rate": rate }),
        },
      };
    }
    const { ctx, config } = await runtime();
    const secret = config.CMKR_EVENTS_SHARED_SECRET;
    const authenticated =
      secret === undefined || eventsSecretMatches(secret, request.headers.get(eventsSecretHeader));
    const handshake = request.headers.get("aeg-event-type")?.toLowerCase() === "subscriptionvalidation";
    if (!authenticated && !handshake) return unauthorized();
    const text = await readBody(request, maxBodyBytes);
    if (text === undefined)
      return problem(413, "Body too large", `the body is larger than ${maxBodyBytes} bytes`);
    const { events, errors } = decodeDeliveryText(text, { filterByScope: false });
    const validation = events.find((e) => e.kind === "SubscriptionValidation");
    if (validation !== undefined)
      return { status: 200, jsonBody: { validationResponse: validation.validationCode } };
    if (!authenticated) return unauthorized();
    if (events.length === 0 && errors.length > 0) {
      const [first] = errors;
      return problem(
        400,
        "Malformed event",
        first?.message ?? "the delivery could not be read",
        first?.field,
      );
    }
    const report = await handleEvents(events, errors, ctx, {
      preview: false,
      correlationId: context.invocationId,
    });
    context.log(JSON.stringify(report));
    return { status: 200, jsonBody: report };
  };
}

function unauthorized(): HttpResponseInit {
  return problem(
    401,
    "Unauthorized",
    `the delivery does not carry the shared secret in ${eventsSecretHeader}`,
    eventsSecretHeader,
  );
}
