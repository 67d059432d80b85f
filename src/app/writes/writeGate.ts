import type { Ledger } from "../../core/ports/ledger.js";
import {
  budgetWindow,
  writeControlResourceType,
  writeControlTicketIds,
  type WriteControlSettings,
  type WriteHold,
} from "../../core/rollout/writeHold.js";
import type { TicketSink } from "../../core/tickets/ticketSink.js";
import type { TicketRequestInput } from "../../core/ports/ticketRequestStore.js";
import { dispatchTickets } from "../tickets/dispatchTickets.js";

/**
 * Admits writes to Azure: every guarded write asks once, just before it writes. The kill switch
 * (the `CMKR_WRITES_PAUSED` setting, or the ledger's flag set by `cmkr writes pause`, read at every
 * write so it takes effect within one job) and the tenant-wide budget of writes per hour (counted in
 * the ledger, so every instance shares it) hold a write back: the caller reports it as planned, and
 * one ticket per pause or per hour window says so.
 */
export interface WriteGate {
  /** Undefined: write now (counted in this hour's budget). Otherwise the hold, with its ticket. */
  admit(): Promise<WriteHold | undefined>;
}

/** What the gate needs. */
export interface WriteGateDeps {
  ledger: Pick<Ledger, "takeWrite" | "writePause" | "requestTicket"> & Parameters<typeof dispatchTickets>[0];
  settings: WriteControlSettings;
  now: () => Date;
  tickets?: TicketSink | undefined;
}

/** The gate over the ledger's write controls. */
export function createWriteGate(deps: WriteGateDeps): WriteGate {
  const hold = async (found: Omit<WriteHold, "ticket">, ticket: TicketRequestInput): Promise<WriteHold> => {
    // Quiet repeats: thousands of held writes are one ticket, told to the sink once.
    const request = await deps.ledger.requestTicket(ticket, { quietRepeat: true });
    if (deps.tickets !== undefined)
      await dispatchTickets(deps.ledger, deps.tickets, { resourceId: found.ticketResourceId });
    const url = request.ticketUrl ?? request.sinkRef?.url;
    return url === undefined ? found : { ...found, ticket: url };
  };
  return {
    async admit() {
      const pause = deps.settings.pausedBySetting
        ? { pauseId: "setting", pausedAt: "", by: "the CMKR_WRITES_PAUSED app setting", reason: "" }
        : await deps.ledger.writePause();
      if (pause !== undefined) {
        const ticketResourceId = writeControlTicketIds.pause(pause.pauseId);
        const since = pause.pausedAt === "" ? "" : ` since ${pause.pausedAt}`;
        const reason = `writes are paused${since} by ${pause.by}${pause.reason === "" ? "" : ` (${pause.reason})`}; nothing written`;
        return hold(
          { code: "WritesPaused", reason, ticketResourceId },
          {
            resourceId: ticketResourceId,
            resourceType: writeControlResourceType,
            findingCode: "WritesPaused",
            severity: "high",
            title: `Writes to Azure are paused${since}`,
            body: [
              `The kill switch is on: ${pause.by} paused every write of the CMK remediation service${since}.${pause.reason === "" ? "" : ` Reason given: ${pause.reason}.`}`,
              "",
              "While it is on, rotations, CMK enforcement, disk encryption set attachment and automatic-rotation changes are planned and reported with the code WritesPaused, never written. Staged rollouts that hit it stop releasing waves.",
              "",
              pause.pauseId === "setting"
                ? "To resume: set the app setting CMKR_WRITES_PAUSED to false (the app restarts with it). Held work is planned again by the next sweep, or run `cmkr remediate ... --apply`."
                : "To resume: run `cmkr writes resume`. Held work is planned again by the next sweep, or run `cmkr remediate ... --apply`.",
            ].join("\n"),
          },
        );
      }
      const window = budgetWindow(deps.now());
      if (await deps.ledger.takeWrite(window, deps.settings.budgetPerHour)) return undefined;
      const ticketResourceId = writeControlTicketIds.budget(window);
      return hold(
        {
          code: "WriteBudgetExhausted",
          reason: `the write budget of ${deps.settings.budgetPerHour} writes per hour is used up for ${window}:00 UTC; nothing written`,
          ticketResourceId,
        },
        {
          resourceId: ticketResourceId,
          resourceType: writeControlResourceType,
          findingCode: "WriteBudgetExhausted",
          severity: "high",
          title: `Write budget used up for ${window}:00 UTC`,
          body: [
            `The service made ${deps.settings.budgetPerHour} writes to Azure in the hour from ${window}:00 UTC, its budget (CMKR_WRITE_BUDGET_PER_HOUR), and held back every further write in that hour.`,
            "",
            "Held writes are reported as planned with the code WriteBudgetExhausted. The next hour has a fresh budget: the sweep plans the held work again in its next re-check period, or run `cmkr remediate ... --apply` for what cannot wait.",
            "",
            "If this many writes were expected (a large key rotation), raise CMKR_WRITE_BUDGET_PER_HOUR; if not, find out what is writing so much before raising it.",
          ].join("\n"),
        },
      );
    },
  };
}
