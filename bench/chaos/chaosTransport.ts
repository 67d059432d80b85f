import {
  applyMergePatch,
  type AzureEmulator,
  type EmulatorRequest,
  type EmulatorResponse,
  type EmulatorEndpoint,
  seededRandom,
} from "@cmkr/azure-emulator";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { consumerRuleFor } from "../../src/core/consumers/registry.js";
import type { ChaosConsumer } from "./chaosTenant.js";
import type { ChaosHumans } from "./chaosHumans.js";
import { judgeWrite, type ChaosWorld, type JudgeClock, type WriteVerdict } from "./chaosWriteProof.js";

/** A PUT, PATCH or DELETE the service sent to ARM, judged against the state it arrived in. */
export interface ServiceArmWrite {
  seq: number;
  method: string;
  resourceId: string;
  status: number;
  /** The `If-Match` header the write carried. */
  ifMatch: string | undefined;
  /** The resource's ETag when the write arrived (after any person's edit in between). */
  etagAtArrival: string | undefined;
  /** A person edited the resource between the service's read and this write. */
  raced: boolean;
  /** The independent judge's verdict over the state the write arrived in. */
  verdict: WriteVerdict;
}

/** What the transport does besides recording: people racing the service's writes, and the judge. */
export interface ChaosTransportOptions {
  humans: ChaosHumans;
  /** Share of the service's ARM writes a person's edit overtakes. */
  raceRate: number;
  clock: JudgeClock;
}

/** A PUT or PATCH the service sent to a consumer, with the key version it asked for. */
export interface ServiceWrite {
  seq: number;
  consumer: number;
  method: string;
  status: number;
  /** The consumer's settled version when the write arrived. */
  fromVersion: string | undefined;
  /** The version the consumer would name after the write (the body merged onto it). */
  toVersion: string | undefined;
  /** Whether the key listed that version when the write arrived. */
  versionExisted: boolean;
}

/** A change of a consumer's settled key version (no write of it still in progress). */
export interface VersionTransition {
  seq: number;
  consumer: number;
  from: string | undefined;
  to: string | undefined;
}

const inProgress = new Set(["creating", "updating", "accepted", "deleting"]);

/** 32-bit FNV-1a of a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The network between the service's SDK clients and the emulator in a chaos run: adds seeded
 * latency, and records what the invariants need and the emulator's request log does not keep
 * (bodies): every write to a consumer with the version it names, every change of a consumer's
 * settled key version, and long-running operations that ended `Failed`. Only the service writes key
 * versions in a chaos run (people change tags), so every version change is the service's.
 */
export class ChaosTransport implements EmulatorEndpoint {
  readonly writes: ServiceWrite[] = [];
  readonly transitions: VersionTransition[] = [];
  /** Every ARM write of the service, of any resource. */
  readonly armWrites: ServiceArmWrite[] = [];
  /** Names of long-running operations the service saw end `Failed`. */
  readonly failedOperations = new Set<string>();
  /** Requests delayed by added latency. */
  delayed = 0;
  private seq = 0;
  private readonly byId = new Map<string, number>();
  private readonly settled: (string | undefined)[];
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly emulator: AzureEmulator,
    private readonly consumers: readonly ChaosConsumer[],
    private readonly latency: { rate: number; maxMs: number; seed: number },
    private readonly options?: ChaosTransportOptions,
  ) {
    consumers.forEach((c, i) => this.byId.set(c.id.toLowerCase(), i));
    this.settled = consumers.map((c) => this.currentVersion(c.id)?.version);
  }

  /** Answers a request of the service, recording consumer writes and their effects. */
  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const ms = this.latencyFor(request);
    if (ms > 0) {
      this.delayed++;
      await delay(ms);
    }
    const seq = ++this.seq;
    const consumer =
      request.method === "PUT" || request.method === "PATCH"
        ? this.byId.get(request.url.pathname.replace(/^\/+/, "/").toLowerCase())
        : undefined;
    const armWrite = await this.beforeArmWrite(seq, request);
    const pending = consumer === undefined ? undefined : this.pendingWrite(seq, consumer, request);
    const response = await this.emulator.handle(request);
    if (pending !== undefined) this.writes.push({ ...pending, status: response.status });
    if (armWrite !== undefined) {
      this.armWrites.push({ ...armWrite, status: response.status });
      if (response.status < 300) this.options?.humans.check(`write seq ${seq}`, armWrite.resourceId);
    }
    const operation = /\/operation(?:Statuses|Results)\/([^/?]+)/i.exec(request.url.pathname)?.[1];
    if (operation !== undefined && response.status === 200 && response.body !== undefined) {
      const status = (JSON.parse(response.body) as { status?: unknown }).status;
      if (status === "Failed") this.failedOperations.add(operation.toLowerCase());
    }
    if (operation !== undefined && response.status === 400)
      this.failedOperations.add(operation.toLowerCase());
    if (pending !== undefined || operation !== undefined) this.observe(seq);
    return response;
  }

  /**
   * Records settled version changes after a request made outside the service (a person's tag
   * write may end the service's pending operation on the same resource, which counts as the service's).
   */
  observeAfterOtherWriter(): void {
    this.observe(++this.seq);
  }

  /** The emulator's state as it is now, for the judge. */
  private world(): ChaosWorld {
    const state = this.emulator.state;
    return {
      resource: (id) => state.getResource(id)?.body,
      resources: () => state.scanResources(),
      keyVersions: (vaultUrl, keyName) => state.keyVersions(vaultUrl, keyName),
    };
  }

  /**
   * For a write of the service to ARM: now and then lets a person edit the resource first (between
   * the service's read and its write), then judges the write over the state it arrives in.
   */
  private async beforeArmWrite(
    seq: number,
    request: EmulatorRequest,
  ): Promise<Omit<ServiceArmWrite, "status"> | undefined> {
    const options = this.options;
    if (options === undefined || request.url.hostname !== "management.azure.com") return undefined;
    if (request.method !== "PUT" && request.method !== "PATCH" && request.method !== "DELETE")
      return undefined;
    const resourceId = request.url.pathname.replace(/^\/+/, "/").replace(/\/+$/, "");
    let body: unknown;
    try {
      body = JSON.parse(request.body ?? "null") as unknown;
    } catch {
      body = null;
    }
    // Judged over the state the service proved on: a person's edit in between (tags, a neighbouring
    // setting) changes nothing the judge reads, but it may leave a long-running type "Updating".
    const verdict = judgeWrite(this.world(), { method: request.method, resourceId, body }, options.clock);
    let raced = false;
    if (request.method !== "DELETE" && this.emulator.state.getResource(resourceId) !== undefined) {
      // Decided per resource and write count, so concurrent requests meet the same races in any order.
      const identity = `race|${request.method}|${resourceId.toLowerCase()}`;
      const n = this.seen.get(identity) ?? 0;
      this.seen.set(identity, n + 1);
      const random = seededRandom(fnv1a(`${this.latency.seed}|${identity}|${n}`));
      if (random() < options.raceRate) {
        await options.humans.edit(resourceId, `race-${seq}`, { race: true });
        raced = true;
      }
    }
    return {
      seq,
      method: request.method,
      resourceId,
      ifMatch: request.headers["if-match"],
      etagAtArrival: this.emulator.state.getResource(resourceId)?.etag,
      raced,
      verdict,
    };
  }

  private latencyFor(request: EmulatorRequest): number {
    const identity = `${request.method} ${request.url
      .toString()
      .replace(/\/operation(Statuses|Results)\/[^/?]+/i, "/$1/*")
      .toLowerCase()}`;
    const n = this.seen.get(identity) ?? 0;
    this.seen.set(identity, n + 1);
    const random = seededRandom(fnv1a(`${this.latency.seed}|${identity}|${n}`));
    return random() < this.latency.rate ? Math.round(random() * this.latency.maxMs) : 0;
  }

  private currentVersion(id: string): { version: string | undefined; settled: boolean } | undefined {
    const stored = this.emulator.state.getResource(id);
    if (stored === undefined) return undefined;
    const body = stored.body;
    const state = body.properties?.provisioningState;
    return {
      version: consumerRuleFor(body.type)?.currentKey(body)?.version?.toLowerCase(),
      settled: typeof state !== "string" || !inProgress.has(state.toLowerCase()),
    };
  }

  private pendingWrite(
    seq: number,
    consumer: number,
    request: EmulatorRequest,
  ): Omit<ServiceWrite, "status"> | undefined {
    const c = this.consumers[consumer];
    if (c === undefined) return undefined;
    const stored = this.emulator.state.getResource(c.id);
    let body: unknown;
    try {
      body = JSON.parse(request.body ?? "null") as unknown;
    } catch {
      body = null;
    }
    const next = (request.method === "PATCH" ? applyMergePatch(stored?.body, body) : body) as ArmResourceJson;
    const toVersion = consumerRuleFor(c.type)?.currentKey(next)?.version?.toLowerCase();
    const key = consumerRuleFor(c.type)?.currentKey(next);
    const versions =
      key === undefined ? undefined : this.emulator.state.keyVersions(key.vaultUrl, key.keyName);
    return {
      seq,
      consumer,
      method: request.method,
      fromVersion: this.settled[consumer],
      toVersion,
      versionExisted: versions?.some((v) => v.version.toLowerCase() === toVersion) === true,
    };
  }

  private observe(seq: number): void {
    this.consumers.forEach((c, i) => {
      const now = this.currentVersion(c.id);
      if (!now?.settled) return;
      const before = this.settled[i];
      if (now.version === before) return;
      this.transitions.push({ seq, consumer: i, from: before, to: now.version });
      this.settled[i] = now.version;
    });
  }
}
