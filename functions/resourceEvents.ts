import { app } from "@azure/functions";
import { functionsRuntime } from "../src/runtime/functionsRuntime.js";
import { createEventGridHandler } from "./eventGridHandler.js";

/**
 * ARM resource events from the subscriptions' Event Grid system topics (ResourceWriteSuccess,
 * ResourceDeleteSuccess) and Resource Notifications: triage before any I/O, then one evaluation job
 * per write; a delete resolves the resource's tickets.
 */
export const resourceEventsHandler = createEventGridHandler(functionsRuntime);

app.eventGrid("resourceEvents", { handler: resourceEventsHandler });
