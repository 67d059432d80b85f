import { AzureEmulator, startAzurite } from "@cmkr/azure-emulator";
import { handleEvents } from "../src/app/handleEvents.js";
import { runJob } from "../src/app/runJob.js";
import { decodeDelivery } from "../src/core/events/decodeDelivery.js";
import type { KeyVaultKeyEvent } from "../src/core/events/domainEvents.js";
import { decodeJob } from "../src/core/jobs/job.js";
import { decodeJobMessage } from "../src/adapters/storage/storageJobQueue.js";
import type { ServiceRuntime } from "../src/runtime/serviceRuntime.js";
import { benchKeyEvent, rotationBenchTenant } from "./benchTenant.js";
import { runtimeFor, type Figure } from "./rotationBench.js";
import { planKeyEventSynchronously } from "./syncKeyEventPlanner.js";
import { rolloutIdFor } from "../src/core/rollout/rolloutState.js";

const seconds = (ms: number): number => ms / 1000;

// The fan-out figures measure every consumer reaching the queue, so they run unstaged (`*`); a
// staged rollout queues its first wave only, measured by `keyEventStaged10k`.
const unstaged = { CMKR_ROLLOUT_WAVES: "*" };

/** The bench's key event, decoded as the event trigger decodes it. */
function benchEvent() {
  const delivery = decodeDelivery(benchKeyEvent());
  return { ...delivery, event: delivery.events[0] as KeyVaultKeyEvent };
}

/** Creates the queue and the ledger table before anything is timed, as a deployed app has them. */
async function warm(runtime: ServiceRuntime): Promise<void> {
  await runtime.ctx.ledger.claimJobs("bench-warm", [{ dedupeKey: "warm", resourceId: "/warm" }]);
  await runtime.jobQueue.getProperties();
}

interface Planned {
  /** From the start given to the end of the last plan page. */
  queuedMs: number;
  planPages: number;
  batches: number;
  /** Consumer entries across all batches, duplicates included. */
  consumerEntries: number;
  uniqueConsumers: number;
}

/**
 * Runs the key event's plan pages as the worker runs them (the real `runJob`, one page at a time
 * as they come off the queue) and takes each consumer batch off the queue to count it. The batches'
 * receive and delete are inside the timing: the figure is an upper bound on the planning itself.
 */
async function runPlanPages(runtime: ServiceRuntime, start: number): Promise<Planned> {
  const queue = runtime.jobQueue;
  const consumers = new Set<string>();
  let end = start;
  let planPages = 0;
  let batches = 0;
  let consumerEntries = 0;
  for (;;) {
    const received = await queue.receiveMessages({ numberOfMessages: 32, visibilityTimeout: 600 });
    const messages = received.receivedMessageItems;
    if (messages.length === 0) break;
    for (const m of messages) {
      const job = decodeJob(decodeJobMessage(m.messageText));
      if (job.kind === "plan-key-event") {
        await runJob(job, runtime.ctx);
        planPages++;
        end = performance.now();
      } else if (job.kind === "rotate-batch") {
        batches++;
        consumerEntries += job.consumers.length;
        for (const c of job.consumers) consumers.add(c.id.toLowerCase());
      }
    }
    await Promise.all(messages.map((m) => queue.deleteMessage(m.messageId, m.popReceipt)));
  }
  return {
    queuedMs: end - start,
    planPages,
    batches,
    consumerEntries,
    uniqueConsumers: consumers.size,
  };
}

/**
 * The event answered on a warmed runtime, as the events endpoint answers it (one planned action),
 * then its plan pages run as the worker runs them: the answer's time and what was queued, timed
 * from the event.
 */
async function answerAndPlan(
  runtime: ServiceRuntime,
  { events, errors }: Pick<ReturnType<typeof benchEvent>, "events" | "errors">,
): Promise<{ answerMs: number; planned: Planned }> {
  await warm(runtime);
  const start = performance.now();
  const answer = await handleEvents(events, errors, runtime.ctx, { preview: false });
  const answerMs = performance.now() - start;
  if (answer.actions.length !== 1 || answer.actions[0]?.status !== "planned")
    throw new Error(`the event's answer was ${JSON.stringify(answer.actions)}`);
  return { answerMs, planned: await runPlanPages(runtime, start) };
}

/** Fails unless every one of `consumers` was queued exactly once. */
function expectEveryConsumerOnce(planned: Planned, consumers: number): void {
  if (planned.consumerEntries !== consumers || planned.uniqueConsumers !== consumers)
    throw new Error(
      `queued ${planned.consumerEntries} consumer entries, ${planned.uniqueConsumers} distinct, of ${consumers}`,
    );
}

/** Messages on the queue now (visible or not). */
async function queueLength(runtime: ServiceRuntime): Promise<number> {
  return (await runtime.jobQueue.getProperties()).approximateMessagesCount ?? 0;
}

/**
 * One key event with 10,000 consumers: answered (the background fan-out against the synchronous
 * planner, both on the same tenant and Azurite), then delivered again (against the synchronous
 * planner's redelivery), checking that every consumer is queued once and the redelivery queues
 * nothing.
 */
export async function keyEvent10k(storage: string): Promise<Figure[]> {
  const consumers = 10_000;
  const emulator = new AzureEmulator(rotationBenchTenant(100, consumers), { throttling: false });
  const { event, events, errors } = benchEvent();

  // Baseline: the synchronous planner (one claim and one message per consumer in the answer).
  const { runtime: before } = await runtimeFor(emulator, storage, "fanbase", unstaged);
  await warm(before);
  const syncStart = performance.now();
  const syncReport = await planKeyEventSynchronously(event, before.ctx);
  const syncMs = performance.now() - syncStart;
  const syncRedeliveryStart = performance.now();
  const syncAgain = await planKeyEventSynchronously(event, before.ctx);
  const syncRedeliveryMs = performance.now() - syncRedeliveryStart;
  if (syncReport.actions.filter((a) => a.status === "planned").length !== consumers)
    throw new Error(`the synchronous planner planned ${syncReport.actions.length} of ${consumers}`);
  if (syncAgain.actions.some((a) => a.status === "planned"))
    throw new Error("the synchronous planner's redelivery queued work again");
  await before.jobQueue.clearMessages();

  // The background fan-out: the event's answer, then its plan pages run as the worker runs them.
  const { runtime } = await runtimeFor(emulator, storage, "fan10k", unstaged);
  const { answerMs, planned } = await answerAndPlan(runtime, { events, errors });
  expectEveryConsumerOnce(planned, consumers);

  // Redelivery: one conflict on the fan-out record, nothing queued.
  const againStart = performance.now();
  const again = await handleEvents(events, errors, runtime.ctx, { preview: false });
  const redeliveryMs = performance.now() - againStart;
  const queuedAgain = await queueLength(runtime);
  if (again.actions.length !== 1 || again.actions[0]?.status !== "skipped" || queuedAgain !== 0)
    throw new Error(`the redelivery answered ${JSON.stringify(again.actions)} and queued ${queuedAgain}`);

  return [
    {
      name: "keyEvent10k.answerSeconds",
      value: seconds(answerMs),
      unit: "s",
      baseline: seconds(syncMs),
      baselineName: "synchronous planner (one claim and one message per consumer), same run",
      ratio: answerMs / syncMs,
      note: `target < 1 s; ${planned.planPages} plan pages then queued ${planned.batches} messages of up to ${runtime.ctx.fanOutBatchSize ?? "?"} consumers in ${seconds(planned.queuedMs).toFixed(1)} s from the event (upper bound: the bench's receive and delete of every batch included)`,
    },
    {
      name: "redelivery10k.seconds",
      value: seconds(redeliveryMs),
      unit: "s",
      baseline: seconds(syncRedeliveryMs),
      baselineName: "synchronous planner's redelivery (every claim batch conflicts), same run",
      ratio: redeliveryMs / syncRedeliveryMs,
      note: `target < 0.5 s; nothing queued twice: ${planned.consumerEntries} consumer entries, ${planned.uniqueConsumers} distinct, ${queuedAgain} messages after the redelivery`,
    },
  ];
}

/**
 * One key event with 100,000 consumers: answered, and every consumer queued by the plan pages.
 * No synchronous baseline is run at this size (it takes minutes); the baseline is the 10,000
 * consumer synchronous figure scaled by 10, given by the caller from the same run.
 */
export async function keyEvent100k(storage: string, syncSecondsPer10k: number): Promise<Figure[]> {
  const consumers = 100_000;
  const emulator = new AzureEmulator(rotationBenchTenant(1000, consumers), { throttling: false });
  const { events, errors } = benchEvent();
  const { runtime } = await runtimeFor(emulator, storage, "fan100k", unstaged);
  const { answerMs, planned } = await answerAndPlan(runtime, { events, errors });
  expectEveryConsumerOnce(planned, consumers);
  const scaled = syncSecondsPer10k * 10;
  return [
    {
      name: "keyEvent100k.answerSeconds",
      value: seconds(answerMs),
      unit: "s",
      baseline: scaled,
      baselineName: "synchronous planner at 10,000 consumers x 10 (scaled, not run)",
      ratio: seconds(answerMs) / scaled,
      note: "target < 2 s; the answer is one claim and one message whatever the consumer count",
    },
    {
      name: "keyEvent100k.queuedSeconds",
      value: seconds(planned.queuedMs),
      unit: "s",
      baseline: scaled,
      baselineName: "synchronous planner at 10,000 consumers x 10 (scaled, not run)",
      ratio: seconds(planned.queuedMs) / scaled,
      note: `target < 60 s; ${planned.planPages} plan pages (one worker, one page at a time) queued ${planned.batches} messages, ${planned.uniqueConsumers} distinct consumers, none twice; the bench's receive and delete of every batch included`,
    },
  ];
}

/**
 * The fan-out benches in one run: 10,000 consumers (answer, redelivery), then 100,000 on an Azurite
 * of its own. Azurite keeps its state in memory and slows as earlier benches fill it (the same
 * 100,000-consumer run measured 10.4 s on a fresh Azurite and 162.8 s after the 10,000-consumer
 * benches, on a quiet machine); a storage account does not.
 */
export async function keyEventFanOut(storage: string): Promise<Figure[]> {
  const tenK = await keyEvent10k(storage);
  const syncSeconds = tenK[0]?.baseline;
  if (syncSeconds === undefined) throw new Error("the 10,000-consumer bench gave no baseline");
  const fresh = await startAzurite();
  try {
    return [...tenK, ...(await keyEvent100k(fresh.connectionString, syncSeconds))];
  } finally {
    await fresh.stop();
  }
}

/**
 * One key event with 10,000 consumers, staged in the default waves (`per-type,10,*`): answered,
 * then planned (every plan page assigns its consumers to waves on the rollout record and stores them
 * in chunks; wave 0 is queued). Baseline: the same event unstaged on the same tenant, same run (its
 * plan pages queue every consumer). Checks that the record's totals cover every consumer once and
 * that only wave 0 reached the queue.
 */
export async function keyEventStaged10k(storage: string): Promise<Figure[]> {
  const consumers = 10_000;
  const emulator = new AzureEmulator(rotationBenchTenant(100, consumers), { throttling: false });
  const { event, events, errors } = benchEvent();

  const { runtime: flat } = await runtimeFor(emulator, storage, "stagebase", unstaged);
  const { planned: flatPlanned } = await answerAndPlan(flat, { events, errors });
  expectEveryConsumerOnce(flatPlanned, consumers);

  const { runtime } = await runtimeFor(emulator, storage, "staged10k");
  const { answerMs, planned } = await answerAndPlan(runtime, { events, errors });
  const rollout = (await runtime.ctx.ledger.getRollout(rolloutIdFor(event.keyId)))?.rollout;
  const total = rollout?.assigned.reduce((a, b) => a + b, 0) ?? 0;
  if (rollout?.planned !== true || total !== consumers)
    throw new Error(
      `the rollout record covers ${total} of ${consumers} (planned: ${String(rollout?.planned)})`,
    );
  if (planned.uniqueConsumers !== rollout.assigned[0] || planned.consumerEntries !== planned.uniqueConsumers)
    throw new Error(`queued ${planned.consumerEntries} consumers, wave 0 has ${rollout.assigned[0] ?? 0}`);
  let held = 0;
  let heldChunks = 0;
  for (let wave = 1; wave < rollout.assigned.length; wave++) {
    const chunks = await runtime.ctx.ledger.listRolloutChunks(rollout.rolloutId, wave);
    heldChunks += chunks.length;
    held += chunks.reduce((sum, c) => sum + c.consumers.length, 0);
  }
  if (held + planned.uniqueConsumers !== consumers)
    throw new Error(`held ${held} and queued ${planned.uniqueConsumers} of ${consumers}`);
  return [
    {
      name: "keyEventStaged10k.answerSeconds",
      value: seconds(answerMs),
      unit: "s",
      baseline: seconds(flatPlanned.queuedMs),
      baselineName: "the same event unstaged: all consumers queued, same run",
      ratio: answerMs / flatPlanned.queuedMs,
      note: "target < 1 s; staging adds nothing to the answer (one claim, one message)",
    },
    {
      name: "keyEventStaged10k.planningSeconds",
      value: seconds(planned.queuedMs),
      unit: "s",
      baseline: seconds(flatPlanned.queuedMs),
      baselineName: "the same event unstaged: all consumers queued, same run",
      ratio: planned.queuedMs / flatPlanned.queuedMs,
      note: `${planned.planPages} plan pages assigned waves [${rollout.assigned.join(", ")}]; wave 0 queued (${planned.uniqueConsumers} consumers), ${held} held in ${heldChunks} chunk entities`,
    },
  ];
}
