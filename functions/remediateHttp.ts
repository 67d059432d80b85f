import { app } from "@azure/functions";
import { functionsRuntime } from "../src/runtime/functionsRuntime.js";
import { createRemediateHandler } from "../src/runtime/http/remediateHandler.js";

export { createRemediateHandler };

app.http("remediate", {
  methods: ["POST"],
  authLevel: "function",
  route: "remediate",
  handler: createRemediateHandler(functionsRuntime),
});
