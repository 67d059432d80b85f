import type { GraphScope } from "../azure/resourceGraphPages.js";
import type { JobQueue } from "../azure/jobQueue.js";
import type { Ledger } from "../ledger/ledger.js";
import type { DetectionSettings } from "../rules/findings/detectionSettings.js";
import type { TicketSink } from "../tickets/ticketSink.js";
import type { RotationPort } from "./rotationPort.js";
import type { ScopeResolver } from "./scopeGuard.js";

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
  now: () => Date;
  detection: DetectionSettings;
  /** The service's own identity, whose writes are not evaluated again. */
  self: { servicePrincipalId?: string | undefined; serviceAppId?: string | undefined };
  /** Where ticket requests go; without one they stay pending in the ledger. */
  tickets?: TicketSink | undefined;
}
