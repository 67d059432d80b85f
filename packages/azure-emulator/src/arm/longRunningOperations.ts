import { randomUUID } from "node:crypto";
import { jsonResponse, type EmulatorResponse } from "../emulatorTypes.js";
import type { ArmResource } from "../tenantFile.js";
import type { TenantState } from "../tenantState.js";
import { refusal } from "./armErrors.js";
import { succeededBody, withProvisioningState } from "./provisioning.js";
import { deleteResourceTree } from "./tenantScopes.js";

/**
 * Makes matching long-running operations end `Failed`. A write matches when its method (if given)
 * and resource id pattern (if given; a string is a case-insensitive regular expression) match.
 * `count` limits how many operations fail; without it every matching operation fails.
 */
export interface OperationFailureRule {
  method?: string;
  resourceIdPattern?: string | RegExp;
  count?: number;
  /** Error code of the failed operation. Default `InternalOperationError`. */
  code?: string;
  /** Error message of the failed operation. */
  message?: string;
}

/** How long operations take: `InProgress` answers before the end, and the `Retry-After` sent. */
export interface OperationTiming {
  polls: number;
  retryAfterSeconds: number;
}

type WriteMethod = "PUT" | "PATCH" | "DELETE";
type OperationStatus = "InProgress" | "Succeeded" | "Failed";

interface ArmOperationError {
  code: string;
  message: string;
}

interface Operation {
  readonly name: string;
  readonly method: WriteMethod;
  readonly resourceId: string;
  /** The resource before the write (undefined when the write created it); dropped once ended. */
  previous: ArmResource | undefined;
  readonly statusPath: string;
  readonly resultUrl: string;
  readonly startTime: string;
  /** Set when a failure rule matched at the start; the operation ends with this error. */
  readonly plannedFailure: ArmOperationError | undefined;
  remainingPolls: number;
  status: OperationStatus;
  endTime?: string;
}

/** What a write tells the tracker when it starts an operation. */
export interface OperationStart {
  readonly method: WriteMethod;
  /** Id of the resource as stored. */
  readonly resourceId: string;
  readonly previous: ArmResource | undefined;
  readonly subscriptionId: string;
  /** Provider namespace of the resource, e.g. `Microsoft.Compute`. */
  readonly provider: string;
  /** Azure region of the resource; `global` when unknown. */
  readonly location: string | undefined;
  /** Scheme and host of the request, so status URLs point back at the same host. */
  readonly origin: string;
  readonly apiVersion: string;
  readonly now: number;
}

interface RuleState {
  readonly rule: OperationFailureRule;
  readonly pattern: RegExp | undefined;
  remaining: number;
}

/**
 * Long-running ARM operations. A write stores the resource in its in-progress state and answers
 * with `Azure-AsyncOperation` (status URL) and `Location` (result URL) headers. Each poll of either
 * URL counts: the first `polls` polls answer in progress, the next one ends the operation, which
 * then makes the resource `Succeeded` (or, when a failure rule matched, restores the resource as it
 * was before the write with provisioningState `Failed`). Time alone never ends an operation; a new
 * write to the same resource ends the pending one first, as if it had finished in the meantime.
 */
export class OperationTracker {
  private readonly operations = new Map<string, Operation>();
  private readonly pendingByResource = new Map<string, Operation>();
  private readonly rules: RuleState[] = [];

  constructor(
    private readonly state: TenantState,
    private readonly timing: OperationTiming,
  ) {}

  /** Adds a failure rule; see {@link OperationFailureRule}. */
  addFailureRule(rule: OperationFailureRule): void {
    if (rule.count !== undefined && (!Number.isInteger(rule.count) || rule.count < 1)) {
      throw new RangeError(`OperationFailureRule.count must be a positive integer, got ${rule.count}`);
    }
    const pattern =
      rule.resourceIdPattern === undefined
        ? undefined
        : typeof rule.resourceIdPattern === "string"
          ? new RegExp(rule.resourceIdPattern, "i")
          : rule.resourceIdPattern;
    this.rules.push({ rule, pattern, remaining: rule.count ?? Number.POSITIVE_INFINITY });
  }

  /** Starts an operation for a write already applied to state; returns the headers to answer with. */
  start(start: OperationStart): Record<string, string> {
    const name = randomUUID();
    const region = (start.location ?? "global").toLowerCase().replace(/\s+/g, "");
    const base = `/subscriptions/${start.subscriptionId}/providers/${start.provider}/locations/${region}`;
    const query = `?api-version=${encodeURIComponent(start.apiVersion)}`;
    const statusPath = `${base}/operationStatuses/${name}`;
    const operation: Operation = {
      name,
      method: start.method,
      resourceId: start.resourceId,
      previous: start.previous,
      statusPath,
      resultUrl: `${start.origin}${base}/operationResults/${name}${query}`,
      startTime: new Date(start.now).toISOString(),
      plannedFailure: this.takeFailure(start.method, start.resourceId),
      remainingPolls: this.timing.polls,
      status: "InProgress",
    };
    this.operations.set(name.toLowerCase(), operation);
    this.pendingByResource.set(start.resourceId.toLowerCase(), operation);
    return {
      "azure-asyncoperation": `${start.origin}${statusPath}${query}`,
      location: operation.resultUrl,
      "retry-after": String(this.timing.retryAfterSeconds),
    };
  }

  /** Ends the pending operation on this resource, if any, as if it had run to its end. */
  settle(resourceId: string, now: number): void {
    const pending = this.pendingByResource.get(resourceId.toLowerCase());
    if (pending !== undefined) this.complete(pending, now);
  }

  /**
   * Answers a poll of an operation's status URL (`status`) or result URL (`result`);
   * undefined when no such operation exists.
   */
  poll(operationName: string, which: "status" | "result", now: number): EmulatorResponse | undefined {
    const operation = this.operations.get(operationName.toLowerCase());
    if (operation === undefined) return undefined;
    if (operation.status === "InProgress") {
      if (operation.remainingPolls > 0) operation.remainingPolls--;
      else this.complete(operation, now);
    }
    return which === "status" ? this.statusAnswer(operation) : this.resultAnswer(operation);
  }

  private statusAnswer(operation: Operation): EmulatorResponse {
    const body: Record<string, unknown> = {
      id: operation.statusPath,
      name: operation.name,
      status: operation.status,
      startTime: operation.startTime,
    };
    if (operation.endTime !== undefined) body.endTime = operation.endTime;
    if (operation.status === "Failed" && operation.plannedFailure !== undefined)
      body.error = operation.plannedFailure;
    const headers: Record<string, string> =
      operation.status === "InProgress" ? { "retry-after": String(this.timing.retryAfterSeconds) } : {};
    return jsonResponse(200, body, headers);
  }

  private resultAnswer(operation: Operation): EmulatorResponse {
    switch (operation.status) {
      case "InProgress":
        return {
          status: 202,
          headers: { location: operation.resultUrl, "retry-after": String(this.timing.retryAfterSeconds) },
        };
      case "Failed": {
        const error = operation.plannedFailure ?? {
          code: "InternalOperationError",
          message: "The operation failed.",
        };
        // 400 rather than 5xx: a failed operation is final and must not be retried by the client.
        return refusal(400, error.code, error.message);
      }
      case "Succeeded": {
        if (operation.method === "DELETE") return { status: 204, headers: {} };
        const current = this.state.getResource(operation.resourceId);
        return current === undefined
          ? { status: 204, headers: {} }
          : jsonResponse(200, current.body, { etag: current.etag });
      }
    }
  }

  private complete(operation: Operation, now: number): void {
    operation.endTime = new Date(now).toISOString();
    this.pendingByResource.delete(operation.resourceId.toLowerCase());
    const current = this.state.getResource(operation.resourceId)?.body;
    if (operation.plannedFailure !== undefined) {
      operation.status = "Failed";
      const restored = operation.previous ?? current;
      if (restored !== undefined) this.state.putResource(withProvisioningState(restored, "Failed"));
      operation.previous = undefined;
      return;
    }
    operation.status = "Succeeded";
    if (operation.method === "DELETE") deleteResourceTree(this.state, operation.resourceId);
    else if (current !== undefined) this.state.putResource(succeededBody(operation.previous, current, now));
    operation.previous = undefined;
  }

  private takeFailure(method: WriteMethod, resourceId: string): ArmOperationError | undefined {
    for (const entry of this.rules) {
      const { rule } = entry;
      if (entry.remaining <= 0) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== method) continue;
      if (entry.pattern !== undefined) {
        entry.pattern.lastIndex = 0;
        if (!entry.pattern.test(resourceId)) continue;
      }
      entry.remaining--;
      return {
        code: rule.code ?? "InternalOperationError",
        message: rule.message ?? `The ${method} operation on '${resourceId}' failed.`,
      };
    }
    return undefined;
  }
}
