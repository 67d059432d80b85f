import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import type {
  DomainEvent,
  ResourceNotificationEvent,
  ResourceWriteEvent,
  ResourceDeleteEvent,
} from "../../src/core/events/domainEvents.js";
import { evaluateResource } from "../../src/core/findings/evaluateResource.js";
import { triageEvent, type TriageDecision } from "../../src/core/findings/triage.js";
import { context } from "./findingsFixtures.js";

type TriagedEvent = ResourceWriteEvent | ResourceDeleteEvent | ResourceNotificationEvent;

const SUB = "0b1f6471-1bf0-4dda-aec3-5a7e2c9d4b10";
const ACCOUNT_ID = `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai-prod`;
const CALLER_OID = "3c2b1a09-8f7e-4d6c-b5a4-9382716f5e4d";
const CALLER_APPID = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";

/** One fixture event (Event Grid schema), with `edit` applied to its JSON, decoded by the real decoder. */
function event(
  name: string,
  edit: (e: { subject?: string; data: Record<string, unknown> }) => void = () => undefined,
): TriagedEvent {
  const raw = JSON.parse(
    readFileSync(new URL(`../fixtures/events/eventgrid/${name}.json`, import.meta.url), "utf8"),
  ) as [{ subject?: string; data: Record<string, unknown> }];
  edit(raw[0]);
  const { events, errors } = decodeDelivery(raw, { filterByScope: false });
  expect(errors).toEqual([]);
  const decoded: DomainEvent | undefined = events[0];
  if (
    decoded === undefined ||
    ![
      "ResourceWriteSuccess",
      "ResourceDeleteSuccess",
      "ResourceCreatedOrUpdated",
      "ResourceDeleted",
    ].includes(decoded.kind)
  ) {
    throw new Error(`fixture ${name} did not decode to a resource event`);
  }
  return decoded as TriagedEvent;
}

function write(edit: (data: Record<string, unknown>) => void = () => undefined): TriagedEvent {
  return event("resource-write-success", (e) => {
    edit(e.data);
    if (typeof e.data.resourceUri === "string") e.subject = e.data.resourceUri;
  });
}

function skipCode(decision: TriageDecision): string | undefined {
  return decision.kind === "skip" ? decision.code : undefined;
}

describe("triageEvent: ARM writes", () => {
  it("evaluates an in-scope write, with the type spelled as the scope list does", () => {
    expect(triageEvent(write(), {})).toEqual({
      kind: "evaluate",
      resourceId: ACCOUNT_ID,
      resourceType: "Microsoft.CognitiveServices/accounts",
    });
  });

  it("skips an operation out of scope", () => {
    const decision = triageEvent(
      write((d) => {
        d.operationName = "Microsoft.Storage/storageAccounts/write";
        d.resourceUri = `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.Storage/storageAccounts/st1`;
      }),
      {},
    );
    expect(decision).toEqual({
      kind: "skip",
      code: "OperationOutOfScope",
      reason: "ARM operation Microsoft.Storage/storageAccounts/write is not in scope",
    });
  });

  it("skips the transient deployment URI of a template deployment", () => {
    const deployment = `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.Resources/deployments/Microsoft.CognitiveServices-20260210`;
    const decision = triageEvent(
      write((d) => (d.resourceUri = deployment)),
      {},
    );
    expect(skipCode(decision)).toBe("TransientDeploymentUri");
    expect(decision.kind === "skip" && decision.reason).toContain(deployment);
  });

  it("skips the older /resourceGroups/{rg}/deployments/ form too", () => {
    const decision = triageEvent(
      write(
        (d) =>
          (d.resourceUri = `/subscriptions/${SUB}/resourceGroups/rg-ai/deployments/Microsoft.StorageAccount-20180721`),
      ),
      {},
    );
    expect(skipCode(decision)).toBe("TransientDeploymentUri");
  });

  it("skips a write that did not succeed, naming the status", () => {
    const decision = triageEvent(
      write((d) => (d.status = "Failed")),
      {},
    );
    expect(decision).toEqual({
      kind: "skip",
      code: "NotSucceeded",
      reason: "the write did not succeed (status Failed)",
    });
  });

  it("counts an absent status as succeeded (the event type is only raised on success)", () => {
    expect(
      triageEvent(
        write((d) => delete d.status),
        {},
      ).kind,
    ).toBe("evaluate");
    expect(
      triageEvent(
        write((d) => (d.status = "succeeded")),
        {},
      ).kind,
    ).toBe("evaluate");
  });

  it("skips the service's own writes by object id, case-insensitively", () => {
    const decision = triageEvent(write(), { servicePrincipalId: CALLER_OID.toUpperCase() });
    expect(skipCode(decision)).toBe("OwnWrite");
    expect(decision.kind === "skip" && decision.reason).toContain("principal id");
  });

  it("skips the service's own writes by application id", () => {
    const decision = triageEvent(write(), {
      servicePrincipalId: "00000000-0000-0000-0000-000000000000",
      serviceAppId: CALLER_APPID,
    });
    expect(skipCode(decision)).toBe("OwnWrite");
    expect(decision.kind === "skip" && decision.reason).toContain("application id");
  });

  it("evaluates writes by anyone else", () => {
    const decision = triageEvent(write(), {
      servicePrincipalId: "00000000-0000-0000-0000-000000000000",
      serviceAppId: "11111111-1111-1111-1111-111111111111",
    });
    expect(decision.kind).toBe("evaluate");
  });

  it("skips a child resource written under an in-scope parent operation", () => {
    const decision = triageEvent(
      write((d) => (d.resourceUri = `${ACCOUNT_ID}/deployments/gpt-4o`)),
      {},
    );
    expect(skipCode(decision)).toBe("ChildResource");
  });

  it("skips a child resource write (its own operation is out of scope)", () => {
    const decision = triageEvent(
      write((d) => {
        d.operationName = "Microsoft.CognitiveServices/accounts/deployments/write";
        d.resourceUri = `${ACCOUNT_ID}/deployments/gpt-4o`;
      }),
      {},
    );
    expect(skipCode(decision)).toBe("OperationOutOfScope");
  });

  it("skips a resource id that does not match its operation", () => {
    const decision = triageEvent(
      write(
        (d) =>
          (d.resourceUri = `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.Compute/disks/d1`),
      ),
      {},
    );
    expect(skipCode(decision)).toBe("OperationResourceMismatch");
  });

  it("skips writes to ids excluded by pattern before any read", () => {
    const decision = triageEvent(write(), { excludedIdPatterns: ["*/resourceGroups/rg-ai/*"] });
    expect(decision).toEqual({
      kind: "skip",
      code: "ExcludedByIdPattern",
      reason: "excluded by id pattern */resourceGroups/rg-ai/*",
    });
  });
});

describe("triageEvent: ARM deletes", () => {
  it("resolves an in-scope delete, even one made by the service's identity", () => {
    const del = event("resource-delete-success");
    const decision = triageEvent(del, { servicePrincipalId: CALLER_OID });
    expect(decision.kind).toBe("resolve");
  });

  it("skips a failed delete", () => {
    const del = event("resource-delete-success", (e) => (e.data.status = "Failed"));
    expect(skipCode(triageEvent(del, {}))).toBe("NotSucceeded");
  });
});

describe("triageEvent: Resource Notifications", () => {
  it("evaluates CreatedOrUpdated with the resource inline, ready for the rules", () => {
    const decision = triageEvent(event("resource-created-or-updated"), {});
    expect(decision.kind).toBe("evaluate");
    if (decision.kind !== "evaluate" || decision.inline === undefined)
      throw new Error("expected an inline resource");
    expect(decision.resourceType).toBe("Microsoft.Compute/diskEncryptionSets");
    expect(decision.inline.identity?.principalId).toBe("9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a");
    // rotationToLatestKeyVersionEnabled arrives as 0: the rule must read it as off.
    const evaluation = evaluateResource(decision.inline, context({ desAutoRotation: "ticket" }));
    expect(evaluation.findings.map((f) => f.code)).toEqual(["DesAutoRotationOff"]);
  });

  it("asks for a read when the notification carries no properties", () => {
    const decision = triageEvent(
      event(
        "resource-created-or-updated",
        (e) => delete (e.data.resourceInfo as Record<string, unknown>).properties,
      ),
      {},
    );
    expect(decision.kind).toBe("evaluate");
    expect(decision.kind === "evaluate" && decision.inline).toBeUndefined();
  });

  it("skips a resource type out of scope", () => {
    const decision = triageEvent(
      event("resource-created-or-updated", (e) => {
        const info = e.data.resourceInfo as Record<string, unknown>;
        info.type = "Microsoft.Storage/storageAccounts";
        info.id = `/subscriptions/${SUB}/resourceGroups/rg-vm/providers/Microsoft.Storage/storageAccounts/st1`;
      }),
      {},
    );
    expect(skipCode(decision)).toBe("ResourceTypeOutOfScope");
  });

  it("resolves Deleted", () => {
    expect(triageEvent(event("resource-deleted"), {}).kind).toBe("resolve");
  });
});
