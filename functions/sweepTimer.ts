import { app } from "@azure/functions";
import { sweepScheduleBinding } from "../src/core/sweep/sweepSchedule.js";
import { functionsRuntime } from "../src/runtime/functionsRuntime.js";
import { createSweepHandler } from "../src/runtime/triggers/sweepHandler.js";

export { createSweepHandler };

app.timer("sweepTimer", {
  schedule: sweepScheduleBinding(),
  handler: createSweepHandler(functionsRuntime),
});
