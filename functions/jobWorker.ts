import { app } from "@azure/functions";
import { functionsRuntime } from "../src/runtime/functionsRuntime.js";
import { createJobWorkerHandler } from "../src/runtime/triggers/jobWorkerHandler.js";

export { createJobWorkerHandler };

app.storageQueue("jobWorker", {
  queueName: "%CMKR_JOB_QUEUE%",
  connection: "AzureWebJobsStorage",
  handler: createJobWorkerHandler(functionsRuntime),
});
