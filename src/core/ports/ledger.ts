import type { ActionStore } from "./actionStore.js";
import type { JobStore } from "./jobStore.js";
import type { LockStore } from "./lockStore.js";
import type { OperationStore } from "./operationStore.js";
import type { PlanStore } from "./planStore.js";
import type { TicketRequestStore } from "./ticketRequestStore.js";

/**
 * The service's durable memory: job claims, manual operations, the action history, ticket requests,
 * locks and plans. Azure Table Storage in production, an in-memory store for fast tests; both pass the
 * same contract tests.
 */
export interface Ledger
  extends JobStore, OperationStore, ActionStore, TicketRequestStore, LockStore, PlanStore {}
