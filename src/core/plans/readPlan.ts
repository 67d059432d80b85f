import { planDigest, planSchema, type Plan } from "./plan.js";
import { PlanError } from "./planErrors.js";

/**
 * Reads a plan (a plan file's JSON or a ledger record) and checks it may be applied at `now`: the
 * schema (the error names the field), the digest (a plan edited after it was made is refused) and
 * the expiry.
 */
export function readPlan(value: unknown, now: Date, source = "plan"): Plan {
  const parsed = planSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = ["$", ...(issue?.path ?? []).map(String)].join(".");
    throw new PlanError("PlanInvalid", `${source}: ${field}: ${issue?.message ?? "invalid"}`, field);
  }
  const plan: Plan = parsed.data;
  const expected = planDigest(plan);
  if (expected !== plan.digest) {
    throw new PlanError(
      "PlanDigestMismatch",
      `${source}: the plan's digest does not match its contents (it was changed after it was made); make a new plan`,
      "$.digest",
    );
  }
  if (Date.parse(plan.expiresAt) <= now.getTime()) {
    throw new PlanError(
      "PlanExpired",
      `${source}: the plan expired at ${plan.expiresAt}; make a new plan`,
      "$.expiresAt",
    );
  }
  return plan;
}
