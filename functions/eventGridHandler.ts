import type { EventGridEvent, InvocationContext } from "@azure/functions";
import type { ServiceRuntime } from "../src/runtime/serviceRuntime.js";
import { handleEvents } from "../src/app/handleEvents.js";
import type { Report } from "../src/core/report/report.js";
import { decodeDelivery } from "../src/core/events/decodeDelivery.js";

/**
 * The handler shared by the Event Grid triggers: decode one delivered event, plan it, log the
 * report. Azure errors are rethrown so Event Grid redelivers; a malformed event is reported and
 * dropped, because a retry cannot fix it. Out-of-scope ARM events are kept so triage reports each
 * skip with its reason. This file registers no function.
 */
export function createEventGridHandler(runtime: () => Promise<ServiceRuntime>) {
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
