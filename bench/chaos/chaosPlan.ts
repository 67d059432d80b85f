import { type FaultRule, seededRandom, type TenantKeyVersion } from "@cmkr/azure-emulator";
import { DeterministicIds } from "@cmkr/azure-emulator/tenant-builder";
import {
  armDeleteEvent,
  armWriteEvent,
  keyNewVersionEvent,
  malformedDelivery,
  noiseEvent,
} from "./chaosEvents.js";
import { profiled } from "./chaosScenarios.js";
import {
  buildChaosTenant,
  drawVersionKind,
  keyVersionOf,
  pick,
  type ChaosSize,
  type ChaosTenant,
  type VersionKind,
} from "./chaosTenant.js";

/** What a delivery carries, for the figures and the rejection check. */
export type DeliveryLabel =
  | "key"
  | "early-key"
  | "arm-write"
  | "own-write"
  | "noise"
  | "malformed"
  | "batch"
  /** A person's write to a platform-key disk (enforce mode decides whether to attach the set). */
  | "disk-write"
  /** A `ResourceDeleteSuccess` for a resource that still exists, or of an earlier incarnation. */
  | "late-delete";

/** One delivery to the service's event entry points. */
export interface ChaosDelivery {
  /** A parsed event goes to the Event Grid trigger; text goes to the `/api/events` webhook. */
  body: string | Record<string, unknown>;
  label: DeliveryLabel;
  /** A byte-for-byte repeat of an earlier delivery (at-least-once delivery). */
  duplicate: boolean;
  /** Events in it that decode. */
  events: number;
  /** Events (or a whole unreadable delivery) the decoder must reject with typed errors. */
  rejected: number;
}

/** One step of a chaos run, applied in order. */
export type ChaosStep =
  | { kind: "createVersion"; key: number; version: TenantKeyVersion; versionKind: VersionKind }
  | { kind: "deliver"; delivery: ChaosDelivery }
  | { kind: "userWrite"; consumer: number; tag: string }
  /** A person's tag write to a disk (its ARM event is a separate delivery). */
  | { kind: "diskWrite"; disk: number; tag: string }
  /** A person starts or deallocates a VM (no drain runs meanwhile: see runChaos). */
  | { kind: "vmPower"; vm: number; powerState: "running" | "deallocated" }
  /** A person deletes a disk, and later re-creates it as it was (no drain runs meanwhile). */
  | { kind: "deleteDisk"; disk: number }
  | { kind: "recreateDisk"; disk: number }
  /** Runs the queue worker; the next `overlap` steps run while it drains. */
  | { kind: "drain"; overlap: number };

/** Faults for the emulator: request faults, failed long-running operations, added latency. */
export interface ChaosFaultPlan {
  rules: FaultRule[];
  /** Consumers (by index) whose next `count` writes end `Failed`. */
  failedOperations: { consumer: number; count: number }[];
  /** Share of requests delayed, and the longest delay in ms. */
  latency: { rate: number; maxMs: number; seed: number };
}

/** Everything a chaos run does, derived from the seed alone. */
export interface ChaosPlan {
  seed: number;
  size: ChaosSize;
  tenant: ChaosTenant;
  steps: ChaosStep[];
  faults: ChaosFaultPlan;
  /** Object id the service's requests carry; writes by it are the service's own. */
  servicePrincipalId: string;
  /** Object id of the people writing to consumers. */
  userPrincipalId: string;
}

const stepCounts: Record<ChaosSize, { steps: number; newVersionsPerKey: number }> = {
  small: { steps: 45, newVersionsPerKey: 4 },
  large: { steps: 400, newVersionsPerKey: 7 },
};

/** The object id of the emulator's default credential, which the service uses in a chaos run. */
export const chaosServicePrincipalId = "00000000-0000-0000-0000-0000000000e1";

function faultPlan(seed: number, size: ChaosSize, tenant: ChaosTenant, random: () => number): ChaosFaultPlan {
  const arm = "management\\.azure\\.com";
  const any = "management\\.azure\\.com|vault\\.azure\\.net";
  const scale = size === "small" ? 1 : 1.5;
  const rules: FaultRule[] = [
    { status: 429, url: arm, rate: 0.04 * scale, retryAfterSeconds: 0, seed },
    // A few throttles that make the SDK wait a real second, as ARM's Retry-After does.
    {
      status: 429,
      url: arm,
      rate: 0.01,
      retryAfterSeconds: 1,
      count: size === "small" ? 1 : 4,
      seed: seed + 1,
    },
    { status: 503, url: any, rate: 0.02 * scale, retryAfterSeconds: 0, seed: seed + 2 },
    { status: 500, url: any, rate: 0.02 * scale, seed: seed + 3 },
    { status: 502, url: arm, rate: 0.005 * scale, seed: seed + 4 },
  ];
  const failedOperations: { consumer: number; count: number }[] = [];
  tenant.consumers.forEach((_, consumer) => {
    if (random() < 0.3) {
      // Mostly one or two failures the queue's retries absorb; sometimes more than it will try.
      failedOperations.push({ consumer, count: random() < 0.85 ? 1 + Math.floor(random() * 2) : 6 });
    }
  });
  return {
    rules,
    failedOperations,
    latency: { rate: 0.3, maxMs: size === "small" ? 4 : 15, seed: seed + 5 },
  };
}

/**
 * Generates a chaos run from its seed: the tenant, then a stream mixing new key versions (their
 * events delivered at once, later, out of order, in shuffled batches, or even before the version
 * exists), people writing to consumers (with the ARM events), exact duplicate deliveries, noise
 * and malformed deliveries, with worker drains in between, some overlapping the next steps. Every
 * new version gets at least one delivery after it exists, as Event Grid guarantees. Same seed,
 * same plan.
 */
export function generateChaosPlan(seed: number, size: ChaosSize): ChaosPlan {
  const random = seededRandom(seed);
  const ids = new DeterministicIds(`chaos-${seed}-events`);
  const tenant = buildChaosTenant(seed, size, random);
  const userPrincipalId = ids.guid("user");
  const [subscriptionId] = tenant.subscriptionIds;
  if (subscriptionId === undefined) throw new RangeError("a chaos tenant needs a subscription");
  const { steps: stepCount, newVersionsPerKey } = stepCounts[size];
  const steps: ChaosStep[] = [];
  const pending: ChaosDelivery[] = [];
  const delivered: ChaosDelivery[] = [];
  const created = tenant.keys.map(() => 0);
  const createdVersions: TenantKeyVersion[][] = tenant.keys.map(() => []);
  let hour = 0;

  const deliver = (delivery: ChaosDelivery): void => {
    steps.push({ kind: "deliver", delivery });
    if (!delivery.duplicate) delivered.push(delivery);
  };
  const single = (event: Record<string, unknown>, label: DeliveryLabel): ChaosDelivery => ({
    body: event,
    label,
    duplicate: false,
    events: 1,
    rejected: 0,
  });
  const handledEvent = (): Record<string, unknown> => {
    const consumer = pick(random, tenant.consumers);
    const key = tenant.keys[consumer.key];
    if (key === undefined) throw new RangeError("no such key");
    // A version that exists by now, so the well-formed events of a broken batch are real ones.
    const known = Object.entries(tenant.tenant.keyVaults).find(([url]) => url === key.vaultUrl)?.[1].keys[
      key.keyName
    ];
    const version = pick(random, [...(known ?? []), ...(createdVersions[consumer.key] ?? [])]).version;
    return random() < 0.5
      ? keyNewVersionEvent(ids.guid("event"), key, version, null)
      : armWriteEvent(
          ids.guid("event"),
          consumer.id,
          consumer.type,
          consumer.subscriptionId,
          tenant.tenantId,
          userPrincipalId,
        );
  };

  const deleted = new Set<number>();
  /** The new streams: disk writes (enforce mode), VM power changes, late deletes, re-created disks. */
  const scenarioStep = (): void => {
    const r = random();
    const diskEvent = (index: number, make: typeof armWriteEvent): Record<string, unknown> | undefined => {
      const disk = tenant.disks[index];
      if (disk === undefined) return undefined;
      return make(
        ids.guid("event"),
        disk.id,
        disk.type,
        disk.subscriptionId,
        tenant.tenantId,
        userPrincipalId,
      );
    };
    if (r < 0.4 && tenant.disks.length > 0) {
      const disk = Math.floor(random() * tenant.disks.length);
      if (deleted.has(disk)) return;
      steps.push({ kind: "diskWrite", disk, tag: ids.hex32("tag").slice(0, 8) });
      const event = diskEvent(disk, armWriteEvent);
      if (event === undefined) return;
      const delivery = single(event, "disk-write");
      if (random() < 0.7) deliver(delivery);
      else pending.push(delivery);
    } else if (r < 0.55 && tenant.vms.length > 0) {
      steps.push({
        kind: "vmPower",
        vm: Math.floor(random() * tenant.vms.length),
        powerState: random() < 0.5 ? "running" : "deallocated",
      });
    } else if (r < 0.8) {
      // A delete event for a resource that still exists: a disk, or a consumer.
      if (random() < 0.5 && tenant.disks.length > 0) {
        const disk = Math.floor(random() * tenant.disks.length);
        const event = diskEvent(disk, armDeleteEvent);
        if (event !== undefined && !deleted.has(disk)) deliver(single(event, "late-delete"));
      } else {
        const c = pick(random, tenant.consumers);
        deliver(
          single(
            armDeleteEvent(
              ids.guid("event"),
              c.id,
              c.type,
              c.subscriptionId,
              tenant.tenantId,
              userPrincipalId,
            ),
            "late-delete",
          ),
        );
      }
    } else if (tenant.disks.length > 0) {
      // A disk deleted (its delete event held back), re-created later, then the old event delivered.
      const disk = Math.floor(random() * tenant.disks.length);
      if (deleted.has(disk)) return;
      const event = diskEvent(disk, armDeleteEvent);
      if (event === undefined) return;
      deleted.add(disk);
      steps.push({ kind: "deleteDisk", disk });
      if (random() < 0.5) steps.push({ kind: "drain", overlap: 0 });
      steps.push({ kind: "recreateDisk", disk });
      deleted.delete(disk);
      const write = diskEvent(disk, armWriteEvent);
      if (write !== undefined && random() < 0.5) deliver(single(write, "disk-write"));
      if (random() < 0.5) steps.push({ kind: "drain", overlap: 0 });
      deliver(single(event, "late-delete"));
    }
  };

  while (steps.length < stepCount) {
    if (random() < 0.25) {
      scenarioStep();
      continue;
    }
    const r = random();
    if (r < 0.2) {
      const key = Math.floor(random() * tenant.keys.length);
      const chaosKey = tenant.keys[key];
      if (chaosKey === undefined || (created[key] ?? 0) >= newVersionsPerKey) continue;
      created[key] = (created[key] ?? 0) + 1;
      const versionKind = drawVersionKind(random);
      hour++;
      const createdOn = new Date(Date.UTC(2026, 10, 10, hour)).toISOString();
      // A confidential VM key's new versions sometimes lack the release policy (created by hand).
      const version = profiled(
        keyVersionOf(versionKind, ids.hex32("version"), createdOn),
        chaosKey.profile,
        chaosKey.profile === "cvm" && random() < 0.3,
      );
      const event = single(
        keyNewVersionEvent(ids.guid("event"), chaosKey, version.version, version.expiresOn ?? null),
        "key",
      );
      // Now and then the event overtakes the version it announces.
      if (random() < 0.2) {
        deliver({ ...event, label: "early-key" });
        // Sometimes the worker even runs its jobs before the version is listed.
        if (random() < 0.5) steps.push({ kind: "drain", overlap: 0 });
      }
      steps.push({ kind: "createVersion", key, version, versionKind });
      createdVersions[key]?.push(version);
      if (random() < 0.5) deliver(event);
      else pending.push(event);
    } else if (r < 0.35 && pending.length > 0) {
      // Any pending delivery, not the oldest: deliveries arrive out of order.
      const [next] = pending.splice(Math.floor(random() * pending.length), 1);
      if (next !== undefined) deliver(next);
    } else if (r < 0.42 && pending.length > 0) {
      const batch = pending.splice(0, 1 + Math.floor(random() * 3));
      const events = batch.map((d) => d.body as Record<string, unknown>);
      events.push(noiseEvent(ids.guid("event"), random, tenant.keys, subscriptionId, tenant.tenantId));
      events.sort(() => random() - 0.5);
      deliver({
        body: JSON.stringify(events),
        label: "batch",
        duplicate: false,
        events: events.length,
        rejected: 0,
      });
    } else if (r < 0.52 && delivered.length > 0) {
      deliver({ ...pick(random, delivered), duplicate: true });
    } else if (r < 0.64) {
      const index = Math.floor(random() * tenant.consumers.length);
      const consumer = tenant.consumers[index];
      if (consumer === undefined) continue;
      steps.push({ kind: "userWrite", consumer: index, tag: ids.hex32("tag").slice(0, 8) });
      const event = single(
        armWriteEvent(
          ids.guid("event"),
          consumer.id,
          consumer.type,
          consumer.subscriptionId,
          tenant.tenantId,
          userPrincipalId,
        ),
        "arm-write",
      );
      if (random() < 0.6) deliver(event);
      else pending.push(event);
    } else if (r < 0.68) {
      const consumer = pick(random, tenant.consumers);
      // The ARM event of one of the service's own writes comes back to it.
      deliver(
        single(
          armWriteEvent(
            ids.guid("event"),
            consumer.id,
            consumer.type,
            consumer.subscriptionId,
            tenant.tenantId,
            chaosServicePrincipalId,
          ),
          "own-write",
        ),
      );
    } else if (r < 0.8) {
      deliver(
        single(noiseEvent(ids.guid("event"), random, tenant.keys, subscriptionId, tenant.tenantId), "noise"),
      );
    } else if (r < 0.9) {
      const bad = malformedDelivery(random, handledEvent());
      deliver({
        body: bad.body,
        label: "malformed",
        duplicate: false,
        events: bad.accepted,
        rejected: bad.rejected,
      });
    } else {
      steps.push({ kind: "drain", overlap: random() < 0.4 ? 1 + Math.floor(random() * 3) : 0 });
    }
  }
  // Event Grid delivers everything in the end, in no particular order.
  pending.sort(() => random() - 0.5);
  for (const d of pending) deliver(d);
  steps.push({ kind: "drain", overlap: 0 });
  return {
    seed,
    size,
    tenant,
    steps,
    faults: faultPlan(seed, size, tenant, random),
    servicePrincipalId: chaosServicePrincipalId,
    userPrincipalId,
  };
}
