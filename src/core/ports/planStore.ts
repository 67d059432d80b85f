import type { Plan } from "../plans/plan.js";

/**
 * Plans, kept where every entry point finds them: `POST /api/remediate` with a `planId` applies the
 * plan a dry run stored, whichever instance made it.
 */
export interface PlanStore {
  /** Stores a new plan (a second plan with the same id is refused). */
  savePlan(plan: Plan): Promise<void>;
  /** The plan as stored (ids compare case-insensitively), or undefined when there is none. */
  getPlan(planId: string): Promise<Plan | undefined>;
}
