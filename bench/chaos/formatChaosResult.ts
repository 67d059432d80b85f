import type { ChaosResult } from "./runChaos.js";

/** The figures and violations of one chaos run, as printed by `npm run chaos` and the test. */
export function formatChaosResult(result: ChaosResult): string {
  const f = result.figures;
  const e = result.endStates;
  const st = f.streams;
  const byInvariant = Object.entries(f.violationsByInvariant)
    .map(([name, n]) => `${name} ${n}`)
    .join(", ");
  const lines = [
    `chaos seed ${result.seed} (${result.size}) in ${(result.durationMs / 1000).toFixed(1)} s`,
    `  events:     ${f.events} in ${f.deliveries} deliveries (${f.duplicates} duplicates, ${f.noise} noise, ${f.malformed} malformed), ${f.versionsCreated} new key versions, ${f.userWrites} writes by people`,
    `  faults:     ${f.faults.total} injected (${f.faults.throttled429} x 429, ${f.faults.server5xx} x 5xx, ${f.faults.failedOperations} failed operations, ${f.faults.delayedRequests} delayed requests)`,
    `  writes:     ${f.writes} by the service, ${f.effectiveWrites} effective; ${f.jobsRun} jobs run (${f.sweepJobs} queued by the final sweep), ${f.jobsPoisoned} poisoned, ${f.deliveriesDeadLettered} deliveries dead-lettered`,
    `  streams:    ${st.diskWrites} disk writes, ${st.attaches} sets attached, ${st.autoRotationEnabled} auto-rotations enabled, ${st.keyWrites} key writes, ${st.vmPowerChanges} VM power changes, ${st.races} edits racing a write (${st.preconditionFailed} x 412), ${st.lateDeletes} late deletes, ${st.recreatedDisks} disks re-created`,
    `  refusals:   ${f.refusals} (Managed HSM consumers: ${st.hsmRefusals} refusals or tickets; confidential VM sets: ${st.confidentialRefusals})`,
    `  tickets:    ${f.tickets} (${f.openTickets} open, ${st.ticketsClosed} closed during the run)`,
    `  consumers:  ${e.onNewestUsable} on the newest usable version, ${e.delegatedToPlatform} left to platform auto-rotation, ${e.behindWithTicket.length} behind with an open ticket${e.behindWithTicket.length > 0 ? `: ${e.behindWithTicket.join("; ")}` : ""}`,
    `  invariant violations: ${f.violations}${byInvariant === "" ? "" : ` (${byInvariant})`}`,
    ...result.violations.map((v) => `    ${v.invariant}: ${v.detail}`),
  ];
  return lines.join("\n");
}
