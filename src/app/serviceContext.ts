import type { GraphScope } from "../core/ports/graphScope.js";
import type { JobQueue } from "../core/ports/jobQueue.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { DetectionSettings } from "../core/findings/detectionSettings.js";
import type { TicketSink } from "../core/tickets/ticketSink.js";
import type { RotationPort } from "../core/ports/rotationPort.js";
import type { ScopeResolver } from "../core/decisions/scopeGuard.js";
import type { AuditContext } from "../core/audit/actor.js";
import type { WriteControlSettings } from "../core/rollout/writeHold.js";
import type { RolloutSettings } from "./rollout/rolloutSettings.js";
import type { WriteGate } from "./writes/writeGate.js";

/** Everything the service's entry points share, built once per process. */
export interface ServiceContext {
  port: RotationPort;
  ledger: Ledger;
  queue: JobQueue;
  scope: GraphScope;
  /** The configured scope with management groups resolved (cached); decide with `inScope`. */
  resolveScope: ScopeResolver;
  dryRun: boolean;
  expiryMarginDays: number;
  leaseMs: number;
  /** Consumers per queue message of a key event's fan-out (`CMKR_FANOUT_BATCH_SIZE`). */
  fanOutBatchSize?: number | undefined;
  now: () => Date;
  detection: DetectionSettings;
  /** The service's own identity, whose writes are not evaluated again. */
  self: { servicePrincipalId?: string | undefined; serviceAppId?: string | undefined };
  /** Where ticket requests go; without one they stay pending in the ledger. */
  tickets?: TicketSink | undefined;
  /** Who the run acts for, recorded with every action (set per request; absent: the job's own cause). */
  audit?: AuditContext;
  /** The kill switch and the write budget (settings), and the gate over them every write asks. */
  writeControls: WriteControlSettings;
  writeGate: WriteGate;
  /** How a key version's consumers are moved in waves. */
  rollout: RolloutSettings;
}
