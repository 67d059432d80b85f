import type { InvocationContext, Timer } from "@azure/functions";
import type { ServiceRuntime } from "../serviceRuntime.js";
import { runSweep, type SweepResult } from "../../app/sweep.js";

/**
 * The periodic sweep (`CMKR_SWEEP_SCHEDULE`, hourly by default): walks the scope and queues what
 * the events missed. A run that finds another one still going does nothing and says so.
 */
export function createSweepHandler(runtime: () => Promise<ServiceRuntime>) {
  return async (timer: Timer, context: InvocationContext): Promise<SweepResult> => {
    const { ctx } = await runtime();
    if (timer.isPastDue) context.warn("sweep: this run is late (a scheduled run was missed)");
    const result = await runSweep(ctx, {
      mode: "act",
      runId: context.invocationId,
      onProgress: (p) => {
        if (p.pages % 50 === 0)
          context.log(`sweep: ${p.resourcesSeen} resources seen, ${p.jobsEnqueued} jobs queued`);
      },
    });
    if (result.status === "busy")
      context.warn("sweep: another run holds the sweep lock; this run did nothing");
    context.log(JSON.stringify(result));
    return result;
  };
}
