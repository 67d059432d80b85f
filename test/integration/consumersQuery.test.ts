import { describe, expect, it } from "vitest";
import { consumersOfKeyQuery } from "../../src/core/queries/consumersQuery.js";
import {
  CMK_VAULT,
  SUBS,
  allDesIds,
  allPages,
  setup,
} from "../../packages/azure-emulator/test/support/resourceGraphTenant.js";

// The emulator's Resource Graph is tested in packages/azure-emulator/test/integration/resourceGraphClient.test.ts.

describe("Resource Graph through ResourceGraphClient", () => {
  it("runs the service's consumers-of-a-key query", async () => {
    const { graph } = setup();
    const { rows } = await allPages(graph, consumersOfKeyQuery({ vaultUrl: CMK_VAULT, keyName: "cmk-des" }), {
      top: 1000,
    });
    const expected = [
      ...allDesIds.filter((_, i) => i % 5 === 0),
      `/subscriptions/${SUBS[0]}/resourceGroups/rg-ai/providers/Microsoft.CognitiveServices/accounts/aoai`,
    ].sort();
    expect(rows.map((r) => r.id)).toEqual(expected);
  });
});
