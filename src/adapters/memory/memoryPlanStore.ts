import type { Plan } from "../../core/plans/plan.js";
import type { PlanStore } from "../../core/ports/planStore.js";
import { MemoryLedgerError } from "./memoryLedgerError.js";

/** {@link PlanStore} in memory: ids compare case-insensitively; a second plan with one id is refused. */
export class MemoryPlanStore implements PlanStore {
  private readonly plans = new Map<string, Plan>();

  savePlan(plan: Plan): Promise<void> {
    const key = plan.planId.toLowerCase();
    if (this.plans.has(key)) {
      return Promise.reject(new MemoryLedgerError("LedgerRecordExists", `the plan ${plan.planId} exists`));
    }
    this.plans.set(key, structuredClone(plan));
    return Promise.resolve();
  }

  getPlan(planId: string): Promise<Plan | undefined> {
    const found = this.plans.get(planId.toLowerCase());
    return Promise.resolve(found === undefined ? undefined : structuredClone(found));
  }
}
