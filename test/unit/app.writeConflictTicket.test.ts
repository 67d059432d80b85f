import type { AzureEmulator } from "@cmkr/azure-emulator";
import { describe, expect, it } from "vitest";
import { handleEvents } from "../../src/app/handleEvents.js";
import { keyScenario, scenarioKeyEvent, versionIndexNow } from "../support/keyScenario.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";

/*
 * Chaos finding (issue 13, seed 12): a rotation whose every guarded write met a resource a person had
 * just changed (412 on each of its attempts) was recorded `failed` / `WriteConflict` and its job
 * finished "done": the consumer stayed behind the newest usable version with no ticket. Now the job
 * is retried by the queue (a new read, a new decision) and, when the retries run out, poisoned with
 * a ticket.
 */

/** Makes a person's change land before each PATCH to `resourceId` while `racing()` holds. */
function racingEdits(resourceId: string, racing: () => boolean) {
  let emulator: AzureEmulator | undefined;
  return {
    bind(svc: MemoryService) {
      emulator = svc.emulator;
    },
    wrapHttpClient: (client: { sendRequest: (r: never) => Promise<never> }) => ({
      sendRequest: (request: { method: string; url: string }) => {
        if (
          request.method === "PATCH" &&
          emulator !== undefined &&
          request.url.toLowerCase().includes(resourceId.toLowerCase()) &&
          racing()
        ) {
          // A fresh ETag, as any write by someone else gives the resource.
          const stored = emulator.state.getResource(resourceId);
          if (stored !== undefined) emulator.state.putResource(structuredClone(stored.body));
        }
        return client.sendRequest(request as never);
      },
    }),
  };
}

const patchStatuses = (svc: MemoryService): number[] =>
  svc.emulator.log
    .entries()
    .filter((e) => e.method === "PATCH")
    .map((e) => e.status);

describe("a rotation defeated by concurrent changes is retried, then ticketed", () => {
  it("every attempt conflicts: the job is poisoned with a RotationFailed ticket and nothing is written", async () => {
    const s = keyScenario({ consumer: "openai" });
    const race = racingEdits(s.consumer.id, () => true);
    const svc = createMemoryService(s.tenant, { wrapHttpClient: race.wrapHttpClient as never });
    race.bind(svc);
    await handleEvents([scenarioKeyEvent(s)], [], svc.ctx, { preview: false });
    const result = await svc.drain({ maxAttempts: 2 });

    // The plan page, then the consumer's batch: two attempts of three conditional writes each, all 412.
    expect(result).toEqual({ processed: 1, failedAttempts: 2, poisoned: 1 });
    expect(patchStatuses(svc)).toEqual([412, 412, 412, 412, 412, 412]);
    expect(versionIndexNow(svc.emulator, s)).toBe(0);
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([
      expect.objectContaining({
        resourceId: s.consumer.id,
        findingCode: "RotationFailed",
        severity: "high",
        state: "requested",
      }),
    ]);
    const actions = await svc.ctx.ledger.listActions(s.consumer.id);
    expect(actions.filter((a) => a.codes.includes("WriteConflict"))).toHaveLength(2);
    expect(actions).toContainEqual(
      expect.objectContaining({
        action: "rotate-key",
        status: "failed",
        codes: ["RotationFailed"],
        reason: expect.stringMatching(/changed between every read and its write/) as unknown,
      }),
    );
  });

  it("the changes stop: the retry reads again, decides again and moves the consumer, with no ticket", async () => {
    const s = keyScenario({ consumer: "openai" });
    let patches = 0;
    // The person's edits race the first attempt's three writes only.
    const race = racingEdits(s.consumer.id, () => ++patches <= 3);
    const svc = createMemoryService(s.tenant, { wrapHttpClient: race.wrapHttpClient as never });
    race.bind(svc);
    await handleEvents([scenarioKeyEvent(s)], [], svc.ctx, { preview: false });
    const result = await svc.drain({ maxAttempts: 3 });

    expect(result).toEqual({ processed: 2, failedAttempts: 1, poisoned: 0 });
    expect(patchStatuses(svc)).toEqual([412, 412, 412, expect.any(Number)]);
    expect(patchStatuses(svc)[3]).toBeLessThan(300);
    expect(versionIndexNow(svc.emulator, s)).toBe(1);
    expect(await svc.ctx.ledger.listTicketRequests()).toEqual([]);
  });
});
