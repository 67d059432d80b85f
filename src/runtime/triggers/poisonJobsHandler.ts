import type { InvocationContext } from "@azure/functions";
import type { ServiceRuntime } from "../serviceRuntime.js";
import { decodeJob, JobDecodeError } from "../../core/jobs/job.js";
import type { ReportAction } from "../../core/report/report.js";
import { handlePoisonJob } from "../../app/runJob.js";

/** Jobs that exhausted their retries: recorded as failed, with a ticket request. */
export function createPoisonJobsHandler(runtime: () => Promise<ServiceRuntime>) {
  return async (message: unknown, context: InvocationContext): Promise<ReportAction | undefined> => {
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
    const { ctx } = await runtime();
    const action = await handlePoisonJob(job, ctx);
    context.warn(JSON.stringify(action));
    return action;
  };
}
