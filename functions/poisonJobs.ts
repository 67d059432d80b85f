import { app } from "@azure/functions";
import { functionsRuntime } from "../src/runtime/functionsRuntime.js";
import { createPoisonJobsHandler } from "../src/runtime/triggers/poisonJobsHandler.js";

export { createPoisonJobsHandler };

app.storageQueue("poisonJobs", {
  queueName: "%CMKR_JOB_QUEUE%-poison",
  connection: "AzureWebJobsStorage",
  handler: createPoisonJobsHandler(functionsRuntime),
});
