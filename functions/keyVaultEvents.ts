import { app, type EventGridEvent, type InvocationContext } from "@azure/functions";
import { functionsRuntime } from "../src/azure/functionsRuntime.js";
import type { ServiceRuntime } from "../src/azure/serviceRuntime.js";
import { handleEvents } from "../src/engine/handleEvents.js";
import type { Report } from "../src/engine/report.js";
import { decodeDelivery } from "../src/events/decodeDelivery.js";

/**
 * Key Vault key events (KeyNewVersionCreated, KeyNearExpiry, KeyExpired) from the vaults' Event
 * Grid system topics. Plans and queues one job per consumer and answers fast; Azure errors are
 * rethrown so Event Grid redelivers, while a malformed event is reported and dropped (a retry
 * cannot fix it).
 */
export function createKeyVaultEventsHandler(runtime: () => Promise<ServiceRuntime>) {
  return async (event: EventGridEvent, context: InvocationContext): Promise<Report> => {
    const { events, errors } = decodeDelivery(event);
    for (const error of errors) context.warn(`Dropped malformed event: ${error.message}`);
    const { ctx } = await runtime();
    const report = await handleEvents(events, errors, ctx, {
      preview: false,
      correlationId: context.invocationId,
    });
    context.log(JSON.stringify(report));
    return report;
  };
}

app.eventGrid("keyVaultEvents", { handler: createKeyVaultEventsHandler(functionsRuntime) });
