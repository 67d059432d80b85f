import type { ActionStore } from "./actionStore.js";
import type { JobStore } from "./jobStore.js";
import type { LockStore } from "./lockStore.js";
import type { OperationStore } from "./operationStore.js";
import type { PlanStore } from "./planStore.js";
import type { RolloutStore } from "./rolloutStore.js";
import type { TicketRequestStore } from "./ticketRequestStore.js";
import type { WriteControlStore } from "./writeControlStore.js";

/**
 * The service's durable memory: job claims, manual operations, the action history, ticket requests,
 * locks, plans, staged rollouts and the write controls (budget, kill switch). Azure Table Storage in
 * production, an in-memory store for fast tests; both pass the same contract tests.
 */
export interface Ledger
  extends
    JobStore,
    OperationStore,
    ActionStore,
    TicketRequestStore,
    LockStore,
    PlanStore,
    RolloutStore,
    WriteControlStore {}
