import type { DomainEvent } from "../core/events/domainEvents.js";
import type { EventDecodeError } from "../core/events/eventDecodeError.js";
import { planKeyEvent, previewKeyEvent } from "./planKeyEvent.js";
import { planResourceEvent } from "./planResourceEvent.js";
import { mergeReports, type Report } from "../core/report/report.js";
import { rotateConsumer } from "./rotateConsumer.js";
import type { ServiceContext } from "./serviceContext.js";

/** Options of one handling run. */
export interface HandleOptions {
  /**
   * Evaluate every resource now and write nothing (the CLI's and HTTP trigger's plan). Without it,
   * jobs are queued and the worker honours the service's dry-run setting.
   */
  preview: boolean;
  correlationId?: string;
}

/**
 * Handles decoded events: key events fan out to one job per consumer; events of other kinds are
 * reported with the reason they were not acted on. Decode errors become report errors.
 */
export async function handleEvents(
  events: readonly DomainEvent[],
  decodeErrors: readonly EventDecodeError[],
  ctx: ServiceContext,
  options: HandleOptions,
): Promise<Report> {
  const dryRun = options.preview || ctx.dryRun;
  const reports: Report[] = [
    {
      dryRun,
      actions: [],
      errors: decodeErrors.map((e) => ({ input: e.field, message: e.problem })),
    },
  ];
  for (const event of events) {
    switch (event.kind) {
      case "KeyNewVersionCreated":
      case "KeyNearExpiry":
      case "KeyExpired": {
        const base = {
          port: ctx.port,
          scope: ctx.scope,
          resolveScope: ctx.resolveScope,
          now: ctx.now,
          ...(options.correlationId === undefined ? {} : { correlationId: options.correlationId }),
        };
        reports.push(
          options.preview
            ? await previewKeyEvent(event, base, (job) => rotateConsumer(job, { ...ctx, dryRun: true }))
            : await planKeyEvent(event, {
                ...base,
                ledger: ctx.ledger,
                queue: ctx.queue,
                dryRun: ctx.dryRun,
                staging: { ledger: ctx.ledger, settings: ctx.rollout, tickets: ctx.tickets },
              }),
        );
        break;
      }
      case "ResourceWriteSuccess":
      case "ResourceDeleteSuccess":
      case "ResourceCreatedOrUpdated":
      case "ResourceDeleted":
        reports.push(await planResourceEvent(event, ctx, options));
        break;
      case "Ignored":
        // Well-formed events of types the service does not act on (noise on a shared topic).
        break;
      default:
        reports.push({
          dryRun,
          actions: [],
          errors: [
            {
              input: `event ${event.eventId}`,
              message: `${event.kind} events are not handled by this entry point`,
            },
          ],
        });
    }
  }
  return mergeReports(dryRun, reports);
}
