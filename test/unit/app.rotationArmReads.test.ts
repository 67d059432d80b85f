import { describe, expect, it } from "vitest";
import type { RequestLogEntry } from "@cmkr/azure-emulator";
import { keyEventJob } from "../../src/app/planKeyEvent.js";
import { rotateConsumer } from "../../src/app/rotateConsumer.js";
import type { RotationPort } from "../../src/core/ports/rotationPort.js";
import { keyScenario, scenarioKeyEvent, versionIndexNow } from "../support/keyScenario.js";
import { createMemoryService } from "../support/memoryService.js";
import { testNow } from "../support/serviceWiring.js";

/** ARM requests (Resource Graph and Key Vault are not in ARM's subscription buckets). */
const isArm = (e: RequestLogEntry): boolean =>
  e.url.startsWith("https://management.azure.com/") &&
  !/\/providers\/microsoft\.resourcegraph\//i.test(e.url);
const isVaultRead = (e: RequestLogEntry): boolean =>
  /\/providers\/microsoft\.keyvault\/vaults\/[^/?]+\?/i.test(e.url);

describe("a rotation spends at most 3 ARM reads per write (emulator request log)", () => {
  it.each(["des", "openai", "aiservices", "ml"] as const)(
    "%s: one read, the operation's polls with the result in the last one; no re-read, no verify GET",
    async (consumer) => {
      const s = keyScenario({ consumer });
      // One `InProgress` answer before the end: the emulator's default operation.
      const svc = createMemoryService(s.tenant, { emulator: { lro: { polls: 1, retryAfterSeconds: 0 } } });
      const job = keyEventJob(scenarioKeyEvent(s), s.consumer, "corr-1", testNow, false);

      expect(await rotateConsumer(job, svc.ctx)).toMatchObject({ action: "rotate-key", status: "applied" });
      expect(versionIndexNow(svc.emulator, s)).toBe(1);

      const arm = svc.emulator.log.entries().filter(isArm);
      const writes = arm.filter((e) => e.method === "PATCH" || e.method === "PUT");
      const reads = arm.filter((e) => e.method === "GET" && !isVaultRead(e));
      expect(writes.map((e) => e.status)).toEqual([202]);
      expect(reads.length).toBeLessThanOrEqual(3 * writes.length);
      // Exactly: the consumer once, then its operation's result URL until it answered the resource.
      expect(reads.map((e) => [new URL(e.url).pathname.split("/").at(-2), e.status])).toEqual([
        [s.consumer.id.split("/").at(-2), 200],
        ["operationResults", 202],
        ["operationResults", 200],
      ]);
      // The vault is read once and shared by every consumer of the key for a while (vaultCacheMs).
      expect(arm.filter(isVaultRead).length).toBeLessThanOrEqual(1);
    },
  );

  it("a change between the reused read and the write is caught by If-Match: 412, read again, decided again", async () => {
    const s = keyScenario({ consumer: "openai" });
    const svc = createMemoryService(s.tenant);
    const job = keyEventJob(scenarioKeyEvent(s), s.consumer, "corr-1", testNow, false);
    const port = svc.ctx.port;
    let touched = false;
    const racing: RotationPort = {
      ...port,
      patchResource: async (id, patch, options) => {
        if (!touched) {
          touched = true;
          // Someone else writes the consumer (a tag) after the service read it: a new ETag.
          const stored = svc.emulator.state.getResource(id);
          if (stored === undefined) throw new Error(`missing ${id}`);
          svc.emulator.state.putResource({ ...stored.body, tags: { owner: "someone-else" } });
        }
        return port.patchResource(id, patch, options);
      },
    };

    const action = await rotateConsumer(job, { ...svc.ctx, port: racing });

    expect(action).toMatchObject({ action: "rotate-key", status: "applied" });
    expect(svc.emulator.log.entries({ method: "PATCH" }).map((e) => e.status)).toEqual([412, 202]);
    // The second write was built from a second read, which saw the other writer's tag and kept it.
    expect(svc.emulator.state.getResource(s.consumer.id)?.body).toMatchObject({
      tags: { owner: "someone-else" },
    });
    expect(versionIndexNow(svc.emulator, s)).toBe(1);
  });
});
