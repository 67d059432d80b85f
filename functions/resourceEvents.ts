import { app, type EventGridEvent, type InvocationContext } from "@azure/functions";
import { functionsRuntime } from "../src/azure/functionsRuntime.js";
import type { ServiceRuntime } from "../src/azure/serviceRuntime.js";
import { handleEvents } from "../src/engine/handleEvents.js";
import type { Report } from "../src/engine/report.js";
import { decodeDelivery } from "../src/events/decodeDelivery.js";

/**
 * ARM resource events from the subscriptions' Event Grid system topics (ResourceWriteSuccess,
 * ResourceDeleteSuccess) and Resource Notifications. Triage runs before any I/O; a write becomes one
 * evaluation job on the queue, a delete resolves the resource's tickets.
 */
export function createResourceEventsHandler(runtime: () => Promise<ServiceRuntime>) {
  return async (event: EventGridEvent, context: InvocationContext): Promise<Report> => {
    const { events, errors } = decodeDelivery(event, { filterByScope: false });
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

app.eventGrid("resourceEvents", { handler: createResourceEventsHandler(functionsRuntime) });
