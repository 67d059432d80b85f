import { app } from "@azure/functions";
import { functionsRuntime } from "../src/runtime/functionsRuntime.js";
import { createEventsWebhookHandler } from "../src/runtime/http/eventsWebhookHandler.js";

export { createEventsWebhookHandler };

app.http("events", {
  methods: ["POST", "OPTIONS"],
  authLevel: "function",
  route: "events",
  handler: createEventsWebhookHandler(functionsRuntime),
});
