import { app } from "@azure/functions";
import { functionsRuntime } from "../src/runtime/functionsRuntime.js";
import { createRemediationStatusHandler } from "../src/runtime/http/remediationStatusHandler.js";

export { createRemediationStatusHandler };

app.http("remediationStatus", {
  methods: ["GET"],
  authLevel: "function",
  route: "remediate/{operationId}",
  handler: createRemediationStatusHandler(functionsRuntime),
});
