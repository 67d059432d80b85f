import { app, type InvocationContext } from "@azure/functions";
import { functionsRuntime } from "../src/azure/functionsRuntime.js";
import { decodeJob, JobDecodeError } from "../src/engine/job.js";
import type { ReportAction } from "../src/engine/report.js";
import { handlePoisonJob } from "../src/engine/runJob.js";

/** Jobs that exhausted their retries: recorded as failed, with a ticket request. */
export async function poisonJobsHandler(
  message: unknown,
  context: InvocationContext,
): Promise<ReportAction | undefined> {
  let job;
  try {
    job = decodeJob(message);
  } catch (error) {
    if (error instanceof JobDecodeError) {
      context.error(`Poison message is not a job: ${error.message}`);
      return undefined;
    }
    throw error;
  }
  const runtime = await functionsRuntime();
  const action = await handlePoisonJob(job, runtime.ctx);
  context.warn(JSON.stringify(action));
  return action;
}

app.storageQueue("poisonJobs", {
  queueName: "%CMKR_JOB_QUEUE%-poison",
  connection: "AzureWebJobsStorage",
  handler: poisonJobsHandler,
});
