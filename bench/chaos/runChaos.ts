import { randomUUID } from "node:crypto";
import azureFunctions from "@azure/functions";
import { createEventGridHandler } from "../../functions/eventGridHandler.js";
import { createEventsWebhookHandler } from "../../src/runtime/http/eventsWebhookHandler.js";
import { createJobWorkerHandler } from "../../src/runtime/triggers/jobWorkerHandler.js";
import { createPoisonJobsHandler } from "../../src/runtime/triggers/poisonJobsHandler.js";
import { createSweepHandler } from "../../src/runtime/triggers/sweepHandler.js";
import { createAzureClients } from "../../src/adapters/azure/azureClients.js";
import { drainQueue } from "../../src/adapters/storage/queueDrainer.js";
import type { DrainResult } from "../../src/core/ports/drainOptions.js";
import { createServiceRuntime, type ServiceRuntime } from "../../src/runtime/serviceRuntime.js";
import { loadConfig } from "../../src/runtime/config.js";
import type { Report } from "../../src/core/report/report.js";
import { AzureEmulator, emulatorHttpClient } from "@cmkr/azure-emulator";
import { decodeDelivery, decodeDeliveryText } from "../../src/core/events/decodeDelivery.js";
import { EventDecodeError } from "../../src/core/events/eventDecodeError.js";
import { consumerRuleFor } from "../../src/core/consumers/registry.js";
import { checkInvariants, type EndStates, type InvariantInput, type Violation } from "./chaosInvariants.js";
import { generateChaosPlan, type ChaosDelivery, type ChaosPlan, type ChaosStep } from "./chaosPlan.js";
import { chaosNow, type ChaosSize } from "./chaosTenant.js";
import { ChaosTransport } from "./chaosTransport.js";
import { ChaosHumans } from "./chaosHumans.js";
import { findingStands } from "./chaosCompliance.js";
import type { ChaosWorld } from "./chaosWriteProof.js";
import type { TicketClosure } from "./chaosInvariants.js";
import type { LedgerAction } from "../../src/core/ports/actionStore.js";
import type { TicketRequest } from "../../src/core/ports/ticketRequestStore.js";

/** The figures a chaos run prints. */
export interface ChaosFigures {
  steps: number;
  /** Deliveries to the event entry points, and the events in them. */
  deliveries: number;
  events: number;
  duplicates: number;
  noise: number;
  malformed: number;
  versionsCreated: number;
  userWrites: number;
  /** Deliveries the entry point failed on every redelivery (Event Grid would dead-letter them). */
  deliveriesDeadLettered: number;
  faults: {
    total: number;
    throttled429: number;
    server5xx: number;
    failedOperations: number;
    delayedRequests: number;
  };
  /** PUT/PATCH requests the service sent to consumers, and those that changed a key version. */
  writes: number;
  effectiveWrites: number;
  refusals: number;
  tickets: number;
  openTickets: number;
  jobsRun: number;
  jobsPoisoned: number;
  /** Jobs the final sweep queued (consumers and resources the events left for it). */
  sweepJobs: number;
  violations: number;
  /** The write-path streams: what was sent and what the service did. */
  streams: {
    diskWrites: number;
    /** Disks the service gave the enforce set, and writes it made by kind (judge's classification). */
    attaches: number;
    autoRotationEnabled: number;
    keyWrites: number;
    vmPowerChanges: number;
    /** People's edits between the service's read and its write, and 412s the emulator answered. */
    races: number;
    preconditionFailed: number;
    lateDeletes: number;
    recreatedDisks: number;
    ticketsClosed: number;
    /** Refusals and tickets on consumers of the Managed HSM key and on confidential VM sets. */
    hsmRefusals: number;
    confidentialRefusals: number;
  };
  /** Violations per invariant. */
  violationsByInvariant: Record<string, number>;
}

/** The outcome of one chaos run. */
export interface ChaosResult {
  seed: number;
  size: ChaosSize;
  figures: ChaosFigures;
  endStates: EndStates;
  violations: Violation[];
  durationMs: number;
}

const deliveryAttempts = 5;

// A CommonJS package whose classes Node's ESM loader does not expose as named exports.
const { HttpRequest, InvocationContext } = azureFunctions;

function invocation(functionName: string): azureFunctions.InvocationContext {
  return new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    logHandler: () => undefined,
  });
}

/** The service as the Functions host would run it, wired to the emulator through the chaos transport. */
async function wireService(
  plan: ChaosPlan,
  emulator: AzureEmulator,
  transport: ChaosTransport,
  storage: string,
) {
  const suffix = randomUUID().replace(/-/g, "").slice(0, 12);
  const config = loadConfig({
    CMKR_DRY_RUN: "false",
    CMKR_LRO_POLL_INTERVAL_MS: "1",
    CMKR_JOB_QUEUE: `chaos-${suffix}`,
    CMKR_LEDGER_TABLE: `chaos${suffix}`,
    CMKR_SERVICE_PRINCIPAL_ID: plan.servicePrincipalId,
    // The write paths beyond rotation: enforce mode on disks and automatic rotation on sets.
    CMKR_DISK_MODE: "enforce",
    CMKR_ENFORCE_DISK_ENCRYPTION_SETS: Object.entries(plan.tenant.enforceSets)
      .map(([region, id]) => `${region}=${id}`)
      .join(","),
    CMKR_DES_AUTO_ROTATION: "enable",
    // Unstaged: the invariants judge each consumer's end state under injected faults, and a staged
    // rollout halts on the first injected failed write by design (docs/chaos.md, "Settings").
    CMKR_ROLLOUT_WAVES: "*",
    AzureWebJobsStorage: storage,
  });
  const clients = createAzureClients({
    credential: emulator.credential(),
    httpClient: emulatorHttpClient(transport),
    maxRetries: 6,
    // The SDK's back-off is capped so a run measures behaviour under faults, not waiting.
    maxRetryDelayInMs: 20,
  });
  return createServiceRuntime({
    config,
    clients,
    storage: { connectionString: storage },
    now: () => chaosNow,
  });
}

/** Applies the plan's faults to the emulator. */
function injectFaults(plan: ChaosPlan, emulator: AzureEmulator): void {
  for (const rule of plan.faults.rules) emulator.injectFault(rule);
  for (const { consumer, count } of plan.faults.failedOperations) {
    const c = plan.tenant.consumers[consumer];
    if (c === undefined) continue;
    emulator.failOperations({
      resourceIdPattern: new RegExp(`/${c.name.replace(/[^a-z0-9]/gi, "\\$&")}$`, "i"),
      count,
      code: "InternalOperationError",
    });
  }
}

/**
 * Watches the service close tickets: each closure is recorded with whether its resource existed at
 * that moment and, if so, whether the finding still stood there (the runner's own reading).
 */
function observeTicketClosures(runtime: ServiceRuntime, emulator: AzureEmulator): TicketClosure[] {
  const closures: TicketClosure[] = [];
  const ledger = runtime.ctx.ledger;
  const resolve = ledger.resolveTickets.bind(ledger);
  const world: ChaosWorld = {
    resource: (id) => emulator.state.getResource(id)?.body,
    resources: () => emulator.state.scanResources(),
    keyVersions: (vaultUrl, keyName) => emulator.state.keyVersions(vaultUrl, keyName),
  };
  ledger.resolveTickets = async (resourceId, codes, reason) => {
    const resolved = await resolve(resourceId, codes, reason);
    const resource = emulator.state.getResource(resourceId)?.body;
    for (const t of resolved) {
      closures.push({
        resourceId,
        findingCode: t.findingCode,
        reason,
        asGone: codes === "all",
        existed: resource !== undefined,
        stands:
          resource === undefined
            ? undefined
            : findingStands(world, resource, t.findingCode, { now: chaosNow, expiryMarginDays: 30 }),
      });
    }
    return resolved;
  };
  return closures;
}

/**
 * `CHAOS_DEBUG=1`: for each consumer a violation names (and each named in `CHAOS_TRAIL=a,b`), its
 * ledger actions and its tickets, so a seed's failure can be read without a debugger.
 */
function printViolationTrail(
  violations: readonly Violation[],
  consumers: readonly { id: string; name: string }[],
  actions: readonly LedgerAction[],
  tickets: readonly TicketRequest[],
): void {
  for (const c of consumers) {
    const named = (process.env.CHAOS_TRAIL ?? "").split(",").includes(c.name);
    if (!named && !violations.some((v) => v.detail.startsWith(`${c.name} `))) continue;
    const id = c.id.toLowerCase();
    console.error(`trail of ${c.name}:`);
    for (const a of actions
      .filter((x) => x.resourceId.toLowerCase() === id)
      .sort((x, y) => x.at.localeCompare(y.at)))
      console.error(
        `  ${a.at} ${a.action} ${a.status} [${a.codes.join(",")}] ${a.from ?? "-"} -> ${a.to ?? "-"} job ${a.jobId ?? "-"}: ${a.reason}`,
      );
    for (const t of tickets.filter((x) => x.resourceId.toLowerCase() === id))
      console.error(`  ticket ${t.findingCode} ${t.state}`);
  }
}

/** Runs one chaos plan against the emulator and Azurite, then checks the invariants. */
export async function runChaos(options: {
  seed: number;
  size: ChaosSize;
  storageConnectionString: string;
}): Promise<ChaosResult> {
  const started = performance.now();
  const plan = generateChaosPlan(options.seed, options.size);
  const { consumers, keys } = plan.tenant;
  const emulator = new AzureEmulator(plan.tenant.tenant, {
    lro: { polls: 1, retryAfterSeconds: 0 },
    seed: options.seed,
    // Throttling comes from the seeded 429 faults instead, so every run meets the same ones.
    throttling: false,
  });
  injectFaults(plan, emulator);
  const userCredential = emulator.credential({
    objectId: plan.userPrincipalId,
    tenantId: plan.tenant.tenantId,
  });
  const humans = new ChaosHumans(
    emulator,
    async () => (await userCredential.getToken("https://management.azure.com/.default")).token,
    plan.tenant.tenant,
  );
  const expiryMarginDays = 30;
  const transport = new ChaosTransport(emulator, consumers, plan.faults.latency, {
    humans,
    raceRate: 0.35,
    clock: { now: chaosNow, expiryMarginDays },
  });
  const initialVersions = consumers.map((c) => {
    const body = emulator.state.getResource(c.id)?.body;
    return body === undefined ? undefined : consumerRuleFor(c.type)?.currentKey(body)?.version?.toLowerCase();
  });
  const runtime = await wireService(plan, emulator, transport, options.storageConnectionString);
  if (runtime.config.CMKR_KEY_EXPIRY_MARGIN_DAYS !== expiryMarginDays)
    throw new RangeError("the judge's expiry margin differs from the service's");
  const closures = observeTicketClosures(runtime, emulator);
  const provide = (): Promise<ServiceRuntime> => Promise.resolve(runtime);
  const eventGrid = createEventGridHandler(provide);
  const webhook = createEventsWebhookHandler(provide);
  const worker = createJobWorkerHandler(provide);
  const poison = createPoisonJobsHandler(provide);
  const sweep = createSweepHandler(provide);

  const unhandled: string[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason instanceof Error ? `${reason.name}: ${reason.message}` : String(reason));
  };
  process.on("unhandledRejection", onUnhandled);

  const figures: ChaosFigures = {
    steps: plan.steps.length,
    deliveries: 0,
    events: 0,
    duplicates: 0,
    noise: 0,
    malformed: 0,
    versionsCreated: 0,
    userWrites: 0,
    deliveriesDeadLettered: 0,
    faults: { total: 0, throttled429: 0, server5xx: 0, failedOperations: 0, delayedRequests: 0 },
    writes: 0,
    effectiveWrites: 0,
    refusals: 0,
    tickets: 0,
    openTickets: 0,
    jobsRun: 0,
    jobsPoisoned: 0,
    sweepJobs: 0,
    violations: 0,
    streams: {
      diskWrites: 0,
      attaches: 0,
      autoRotationEnabled: 0,
      keyWrites: 0,
      vmPowerChanges: 0,
      races: 0,
      preconditionFailed: 0,
      lateDeletes: 0,
      recreatedDisks: 0,
      ticketsClosed: 0,
      hsmRefusals: 0,
      confidentialRefusals: 0,
    },
    violationsByInvariant: {},
  };
  const malformedProblems: string[] = [];

  const drain = async (): Promise<DrainResult> => {
    const result = await drainQueue(
      runtime.jobQueue,
      runtime.poisonQueue,
      async (message) => {
        try {
          await worker(message, invocation("jobWorker"));
        } catch (error) {
          if (process.env.CHAOS_DEBUG !== undefined)
            console.error(
              `worker: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
            );
          throw error;
        }
      },
      async (message) => {
        await poison(message, invocation("poisonJobs"));
      },
      { maxAttempts: 5, concurrency: 8, retryDelaySeconds: 0 },
    );
    figures.jobsRun += result.processed;
    figures.jobsPoisoned += result.poisoned;
    return result;
  };

  /** One delivery, redelivered like Event Grid does while the entry point throws. */
  const deliver = async (step: number, d: ChaosDelivery): Promise<void> => {
    figures.deliveries++;
    figures.events += d.events;
    if (d.duplicate) figures.duplicates++;
    if (d.label === "noise") figures.noise++;
    if (d.label === "late-delete") figures.streams.lateDeletes++;
    if (d.rejected > 0) figures.malformed++;
    if (d.rejected > 0) {
      // The decoder's own verdict: every bad event is a typed EventDecodeError.
      const decoded = typeof d.body === "string" ? decodeDeliveryText(d.body) : decodeDelivery(d.body);
      const typed = decoded.errors.filter((e) => e instanceof EventDecodeError && e.field !== "");
      if (typed.length !== d.rejected || decoded.errors.length !== d.rejected)
        malformedProblems.push(
          `step ${step}: ${decoded.errors.length} decode errors, expected ${d.rejected} typed ones`,
        );
    }
    for (let attempt = 1; attempt <= deliveryAttempts; attempt++) {
      try {
        let report: Report | undefined;
        if (typeof d.body === "string") {
          const response = await webhook(
            new HttpRequest({
              method: "POST",
              url: "https://func-cmkr.azurewebsites.net/api/events",
              headers: { "content-type": "application/json" },
              body: { string: d.body },
            }),
            invocation("events"),
          );
          if (response.status === 200) report = response.jsonBody as Report;
          else if (!(response.status === 400 && d.rejected > 0 && d.events === 0))
            malformedProblems.push(`step ${step}: /api/events answered ${response.status ?? "?"}`);
        } else {
          report = await eventGrid(d.body as never, invocation("keyVaultEvents"));
        }
        if (report !== undefined && report.errors.length !== d.rejected)
          malformedProblems.push(
            `step ${step}: the report has ${report.errors.length} errors, expected ${d.rejected}`,
          );
        return;
      } catch (error) {
        if (d.rejected > 0 && d.events === 0)
          malformedProblems.push(`step ${step}: a malformed delivery threw ${String(error)}`);
        if (attempt === deliveryAttempts) figures.deliveriesDeadLettered++;
      }
    }
  };

  const userWrite = async (consumerIndex: number, tag: string): Promise<void> => {
    const consumer = consumers[consumerIndex];
    if (consumer === undefined) return;
    figures.userWrites++;
    await humans.edit(consumer.id, tag);
    transport.observeAfterOtherWriter();
  };

  const apply = async (index: number, step: ChaosStep): Promise<void> => {
    switch (step.kind) {
      case "createVersion": {
        const key = keys[step.key];
        if (key === undefined) return;
        emulator.state.addKeyVersion(key.vaultUrl, key.keyName, step.version);
        figures.versionsCreated++;
        return;
      }
      case "deliver":
        return deliver(index, step.delivery);
      case "userWrite":
        return userWrite(step.consumer, step.tag);
      case "diskWrite": {
        const disk = plan.tenant.disks[step.disk];
        if (disk === undefined) return;
        figures.streams.diskWrites++;
        await humans.edit(disk.id, step.tag);
        return;
      }
      case "vmPower": {
        const vm = plan.tenant.vms[step.vm];
        if (vm === undefined) return;
        figures.streams.vmPowerChanges++;
        humans.setPowerState(vm.id, step.powerState);
        return;
      }
      case "deleteDisk": {
        const disk = plan.tenant.disks[step.disk];
        if (disk !== undefined) humans.delete(disk.id);
        return;
      }
      case "recreateDisk": {
        const disk = plan.tenant.disks[step.disk];
        if (disk === undefined) return;
        figures.streams.recreatedDisks++;
        humans.recreate(disk.id);
        return;
      }
      case "drain":
        await drain();
        return;
    }
  };

  let beforeSweep: InvariantInput["beforeSweep"];
  try {
    let running: Promise<DrainResult> | undefined;
    let overlapLeft = 0;
    for (const [index, step] of plan.steps.entries()) {
      // A VM's power state, a deletion or a re-creation never overlaps the worker: the service cannot
      // hold a VM stopped or a resource in place between its proof and its write, so such a race
      // would not be the service's fault.
      if (
        step.kind === "drain" ||
        step.kind === "vmPower" ||
        step.kind === "deleteDisk" ||
        step.kind === "recreateDisk"
      ) {
        await running;
        running = undefined;
      }
      if (step.kind === "drain") {
        if (step.overlap > 0) {
          running = drain();
          overlapLeft = step.overlap;
          continue;
        }
      }
      await apply(index, step);
      if (running !== undefined && --overlapLeft <= 0) {
        await running;
        running = undefined;
      }
    }
    await running;
    // Before the sweep: what the events alone left (judged for the targets the service knew).
    beforeSweep = {
      final: emulator.toTenantFile(),
      ledgerActions: await runtime.ctx.ledger.listActions(),
      tickets: await runtime.ctx.ledger.listTicketRequests(),
    };
    // The hourly sweep, as the timer trigger runs it, then the worker: consumers that started the
    // run behind a usable version and met no event are the sweep's to find.
    const swept = await sweep(
      {
        isPastDue: false,
        schedule: { adjustForDST: true },
        scheduleStatus: {
          last: chaosNow.toISOString(),
          next: chaosNow.toISOString(),
          lastUpdated: chaosNow.toISOString(),
        },
      },
      invocation("sweepTimer"),
    );
    figures.sweepJobs = swept.jobsEnqueued;
    await drain();
    humans.check("the end of the run");
    // Let the SDK's last timers settle before judging rejections.
    await new Promise((resolve) => setTimeout(resolve, 50));
  } finally {
    process.off("unhandledRejection", onUnhandled);
  }

  const [ledgerActions, tickets] = await Promise.all([
    runtime.ctx.ledger.listActions(),
    runtime.ctx.ledger.listTicketRequests(),
  ]);
  const { violations, endStates } = checkInvariants({
    consumers,
    keys,
    final: emulator.toTenantFile(),
    initialVersions,
    writes: transport.writes,
    transitions: transport.transitions,
    ledgerActions,
    tickets,
    unhandledRejections: unhandled,
    malformedProblems,
    now: chaosNow,
    expiryMarginDays: runtime.config.CMKR_KEY_EXPIRY_MARGIN_DAYS,
    armWrites: transport.armWrites,
    revertedFields: humans.reverted,
    closures,
    beforeSweep,
  });

  if (process.env.CHAOS_DEBUG !== undefined || process.env.CHAOS_TRAIL !== undefined)
    printViolationTrail(violations, consumers, ledgerActions, tickets);

  const byStatus = emulator.faults.injectedByStatus;
  figures.faults = {
    throttled429: byStatus.get(429) ?? 0,
    server5xx: (byStatus.get(500) ?? 0) + (byStatus.get(502) ?? 0) + (byStatus.get(503) ?? 0),
    // On the service's writes and on people's (a planned failure takes the next write of its resource).
    failedOperations: transport.failedOperations.size + humans.failedOperations,
    delayedRequests: transport.delayed,
    total:
      emulator.faults.injected +
      transport.failedOperations.size +
      humans.failedOperations +
      transport.delayed,
  };
  figures.writes = transport.writes.length;
  figures.effectiveWrites = transport.transitions.length;
  figures.refusals = ledgerActions.filter((a) => a.action === "refuse").length;
  figures.tickets = tickets.length;
  figures.openTickets = tickets.filter((t) => t.state === "requested" || t.state === "open").length;
  figures.violations = violations.length;
  for (const v of violations)
    figures.violationsByInvariant[v.invariant] = (figures.violationsByInvariant[v.invariant] ?? 0) + 1;
  const st = figures.streams;
  for (const w of transport.armWrites) {
    if (w.status === 412) st.preconditionFailed++;
    if (w.status >= 300) continue;
    if (w.verdict.kind === "attach-set") st.attaches++;
    if (w.verdict.kind === "enable-auto-rotation") st.autoRotationEnabled++;
    if (w.verdict.kind === "rotate-key" || w.verdict.kind === "enable-cmk") st.keyWrites++;
  }
  st.races = humans.races;
  st.ticketsClosed = closures.length;
  const scenarioOf = new Map(consumers.map((c) => [c.id.toLowerCase(), c.scenario]));
  for (const a of ledgerActions) {
    if (a.action !== "refuse" && a.action !== "open-ticket" && a.action !== "update-ticket") continue;
    const scenario = scenarioOf.get(a.resourceId.toLowerCase());
    if (scenario === "hsm") st.hsmRefusals++;
    if (scenario === "cvm") st.confidentialRefusals++;
  }
  return {
    seed: options.seed,
    size: options.size,
    figures,
    endStates,
    violations,
    durationMs: performance.now() - started,
  };
}
