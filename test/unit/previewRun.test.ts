import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMemoryLedger } from "../../src/adapters/memory/createMemoryLedger.js";
import { createPreviewLedger } from "../../src/adapters/memory/createPreviewLedger.js";
import { createPreviewRotationPort } from "../../src/adapters/memory/createPreviewRotationPort.js";
import { handleEvents } from "../../src/app/handleEvents.js";
import type { ServiceContext } from "../../src/app/serviceContext.js";
import { applyJsonMergePatch } from "../../src/core/arm/jsonMergePatch.js";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import type { RotationPort } from "../../src/core/ports/rotationPort.js";
import { previewAction } from "../../src/core/report/previewAction.js";
import type { ReportAction } from "../../src/core/report/report.js";
import { createPreviewRun } from "../../src/runtime/previewRun.js";
import { EXAMPLE_SERVICE_IDENTITY, buildExampleTenant } from "../fixtures/exampleTenant.js";
import { createMemoryService } from "../support/memoryService.js";

const env = { CMKR_SERVICE_PRINCIPAL_ID: EXAMPLE_SERVICE_IDENTITY.principalId };

/** The example deliveries in replay order (name order), parsed. */
function exampleDeliveries(): { name: string; body: unknown }[] {
  return readdirSync("examples/events")
    .filter((n) => n.endsWith(".json"))
    .sort()
    .map((name) => ({
      name,
      body: JSON.parse(readFileSync(join("examples/events", name), "utf8")) as unknown,
    }));
}

/** Replays the examples as `cmkr replay` does: plan each delivery, then drain its jobs. */
async function replay(
  ctx: ServiceContext,
  drain: () => Promise<ReportAction[]>,
): Promise<(ReportAction & { source: string })[]> {
  const out: (ReportAction & { source: string })[] = [];
  for (const { name, body } of exampleDeliveries()) {
    const { events } = decodeDelivery(body, { filterByScope: false });
    const planned = await handleEvents(events, [], ctx, { preview: false });
    const actions = [...planned.actions.filter((a) => a.status !== "planned"), ...(await drain())];
    out.push(...actions.map((a) => ({ ...a, source: name })));
  }
  return out;
}

const key = (a: ReportAction & { source: string }) =>
  JSON.stringify([a.source, a.resourceId, a.action, a.status, a.from, a.to, a.reason, a.codes]);

describe("a dry run previews --apply (createPreviewRun)", () => {
  it("plans what --apply does for the example events: same dedupe, same tickets, nothing written", async () => {
    const applied = createMemoryService(buildExampleTenant(), { env });
    const applyActions = await replay(applied.ctx, async () => {
      const before = applied.workerActions.length;
      await applied.drain();
      return applied.workerActions.slice(before);
    });

    const previewed = createMemoryService(buildExampleTenant(), { env });
    const run = createPreviewRun(previewed.ctx);
    const previewActions = (await replay(run.ctx, async () => (await run.drain()).actions)).map((a) => ({
      ...previewAction(a),
      source: a.source,
    }));

    expect(previewActions.map(key).sort()).toEqual(
      applyActions
        .map((a) => ({ ...previewAction(a), source: a.source }))
        .map(key)
        .sort(),
    );
    // The duplicate key event plans nothing new; the deleted disk's ticket, opened by an earlier
    // event of the run, is resolved once the worker's fresh read finds the disk gone.
    expect(previewActions.filter((a) => a.action === "rotate-key" && a.status === "planned")).toHaveLength(6);
    expect(
      previewActions
        .filter((a) => a.source === "13-delete-ticketed-disk.eventgrid.json" && a.action === "update-ticket")
        .map((a) => [a.status, a.reason]),
    ).toEqual([["planned", "Managed disk scratch-01 is encrypted with a platform-managed key"]]);
    // Nothing reached Azure or the live ledger; the writes it would make are listed.
    expect(previewed.emulator.log.entries().filter((e) => e.method !== "GET" && e.method !== "POST")).toEqual(
      [],
    );
    expect(await previewed.ctx.ledger.newestActions(100)).toEqual([]);
    expect(await previewed.ctx.ledger.listTicketRequests()).toEqual([]);
    expect(run.plannedWrites).toHaveLength(6);
    expect(previewed.queue.size).toBe(0);
  }, 60_000);
});

describe("the preview ledger: the live ledger's answers, the run's writes in memory", () => {
  it("treats a job the live ledger claimed as a duplicate and never writes to it", async () => {
    const live = createMemoryLedger();
    await live.claimJobs("g", [{ dedupeKey: "a", resourceId: "/r/a" }]);
    await live.requestTicket({
      resourceId: "/r/a",
      resourceType: "T",
      findingCode: "F",
      title: "t",
      body: "b",
      severity: "high",
    });
    const preview = createPreviewLedger(live);
    const claimed = await preview.claimJobs("g", [
      { dedupeKey: "a", resourceId: "/r/a" },
      { dedupeKey: "b", resourceId: "/r/b" },
    ]);
    expect([...claimed]).toEqual(["b"]);
    expect([...(await preview.claimJobs("g", [{ dedupeKey: "b", resourceId: "/r/b" }]))]).toEqual([]);
    // A repeat of a live ticket counts up, and a delete resolves it, here only.
    expect(
      (
        await preview.requestTicket({
          resourceId: "/r/a",
          resourceType: "T",
          findingCode: "F",
          title: "t",
          body: "b",
          severity: "high",
        })
      ).count,
    ).toBe(2);
    expect(await preview.resolveTickets("/r/a", "all", "deleted")).toHaveLength(1);
    await preview.recordAction({
      resourceId: "/r/a",
      resourceType: "T",
      action: "none",
      status: "skipped",
      reason: "r",
      dryRun: false,
    });
    expect((await preview.newestActions(10)).map((a) => a.reason)).toEqual(["r"]);
    expect((await live.listJobs("g")).map((j) => j.dedupeKey)).toEqual(["a"]);
    expect(await live.listTicketRequests()).toEqual([
      expect.objectContaining({ count: 1, state: "requested" }),
    ]);
    expect(await live.newestActions(10)).toEqual([]);
  });
});

describe("the preview port: reads from Azure, writes kept in memory", () => {
  it("never forwards a write, and reads a written resource back as ARM would answer after the PATCH", async () => {
    const resource: ArmResourceJson = {
      id: "/subscriptions/s/resourceGroups/g/providers/Microsoft.Compute/diskEncryptionSets/d",
      name: "d",
      type: "Microsoft.Compute/diskEncryptionSets",
      properties: {
        activeKey: { keyUrl: "https://kv.vault.azure.net/keys/k/1" },
        rotationToLatestKeyVersionEnabled: false,
      },
    };
    const calls: string[] = [];
    const live = new Proxy({} as RotationPort, {
      get: (_target, name: string) =>
        name === "readVersioned"
          ? () => {
              calls.push(name);
              return Promise.resolve({ resource: structuredClone(resource), etag: '"1"' });
            }
          : name === "readResource"
            ? () => {
                calls.push(name);
                return Promise.resolve(structuredClone(resource));
              }
            : () => {
                calls.push(name);
                return Promise.reject(new Error(`${name} must not be called`));
              },
    });
    const port = createPreviewRotationPort(live);
    const patch = { properties: { activeKey: { keyUrl: "https://kv.vault.azure.net/keys/k/2" } } };
    await port.patchResource(resource.id, patch, { ifMatch: '"1"' });
    expect(await port.readResource(resource.id.toUpperCase())).toEqual({
      ...(applyJsonMergePatch(resource, patch) as ArmResourceJson),
      etag: '"preview-1"',
    });
    expect(port.plannedWrites).toEqual([{ resourceId: resource.id, patch }]);
    // A second write built from the first read is refused as ARM refuses it: the ETag moved on.
    await expect(port.patchResource(resource.id, patch, { ifMatch: '"1"' })).rejects.toMatchObject({
      code: "PreconditionFailed",
    });
    expect(calls).toEqual(["readVersioned"]);
  });

  it("applies merge patches as RFC 7386 says", () => {
    // RFC 7386 section 3's example.
    expect(
      applyJsonMergePatch(
        {
          title: "Goodbye!",
          author: { givenName: "John", familyName: "Doe" },
          tags: ["example", "sample"],
          content: "x",
        },
        { title: "Hello!", phoneNumber: "+01-123-456-7890", author: { familyName: null }, tags: ["example"] },
      ),
    ).toEqual({
      title: "Hello!",
      author: { givenName: "John" },
      tags: ["example"],
      content: "x",
      phoneNumber: "+01-123-456-7890",
    });
    expect(applyJsonMergePatch({ a: 1 }, null)).toBeNull();
    expect(applyJsonMergePatch([1], { a: { b: null } })).toEqual({ a: {} });
  });
});
