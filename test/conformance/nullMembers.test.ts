import { parseTenantFile } from "@cmkr/azure-emulator";
import { describe, expect, it } from "vitest";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { sweepResourceFromRow } from "../../src/core/sweep/sweepRow.js";
import { exampleBodies } from "./support/exampleBodies.js";
import { entriesOfKind, shortName } from "./support/material.js";
import { readArm } from "./support/serviceReaders.js";

/*
 * `az resource show`, the generic resources API and Resource Graph rows write `null` for a
 * resource's absent `identity`, `tags`, `kind`, `managedBy` and `location`. Every example resource
 * body is read again with its absent members written as null: the service must judge it the same,
 * the sweep's row mapping must take it, and the emulator's tenant file must load it as GET returns it.
 */

const members = ["identity", "tags", "kind", "managedBy", "location"] as const;

const bodies = entriesOfKind("example")
  .filter(
    (e) =>
      !e.file.endsWith(".txt") &&
      e.operation !== "Resources" &&
      e.operation !== "VirtualMachines_InstanceView",
  )
  .flatMap((e) =>
    exampleBodies(e)
      .filter((b) => typeof (b.body as { type?: unknown; id?: unknown }).type === "string")
      .filter((b) => /^\/subscriptions\/[^/]+\//i.test(String((b.body as { id?: unknown }).id)))
      .map((b) => ({
        name: `${shortName(e.file)} ${b.status}${b.index === undefined ? "" : `[${b.index}]`}`,
        body: b.body as ArmResourceJson,
      })),
  );

/** The type an id names: the provider namespace and every type segment after it. */
function typeInId(id: string): string {
  const at = id.toLowerCase().lastIndexOf("/providers/");
  const [namespace, ...rest] = id.slice(at + "/providers/".length).split("/");
  return [namespace, ...rest.filter((_, i) => i % 2 === 0)].join("/").toLowerCase();
}

/*
 * A few published examples copy an id from another operation: a project body with its account's id,
 * a connection with a linked workspace's id. The emulator's tenant file refuses such a resource (it
 * would load and never be found), so these are checked for that refusal instead.
 */
const idDisagrees = (body: ArmResourceJson) => typeInId(body.id) !== body.type.toLowerCase();

function withNulls(body: ArmResourceJson): ArmResourceJson {
  const copy: Record<string, unknown> = { ...body };
  for (const m of members) if (copy[m] === undefined) copy[m] = null;
  return copy as ArmResourceJson;
}

describe("absent members written as null", () => {
  it("only the known published examples carry an id of another type", () => {
    expect(bodies.filter((b) => idDisagrees(b.body)).map((b) => b.name)).toEqual([
      "cognitiveservices/2025-09-01/examples/CreateProjectMin.json 201",
      "cognitiveservices/2025-09-01/examples/CreateProjectMin.json 202",
      "machinelearningservices/2025-09-01/examples/WorkspaceConnection/list.json 200[0]",
      "machinelearningservices/2025-09-01/examples/WorkspaceConnection/list.json 200[1]",
    ]);
  });

  it("there are example bodies with absent members to null", () => {
    expect(bodies.filter((b) => members.some((m) => b.body[m] === undefined)).length).toBeGreaterThan(40);
  });

  it.each(bodies.map((b) => [b.name, b.body] as const))("%s", (_name, body) => {
    const nulled = withNulls(body);
    // Consumer facts need a location; a null one is the mapper's typed refusal, as an absent one is.
    expect(readArm(nulled)).toBe(readArm(body));
    const row = sweepResourceFromRow(nulled);
    expect(row?.resource.id).toBe(body.id);
    for (const m of members) expect(row?.resource[m] ?? undefined).toEqual(body[m]);
    const subscriptionId = /^\/subscriptions\/([^/]+)\//i.exec(body.id)![1]!;
    const load = () =>
      parseTenantFile({
        tenantId: "t",
        subscriptions: [{ subscriptionId, displayName: "s" }],
        resources: [nulled],
        keyVaults: {},
      });
    if (idDisagrees(body)) {
      expect(load).toThrow(/^\$\.resources\[0\]\.type: .* does not match the type in the resource's id/);
      return;
    }
    expect(load().resources[0]).toEqual(nulled);
  });
});
