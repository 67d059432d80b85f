import { z } from "zod";
import { ArmFactsError, parseArmBody } from "../arm/armFactsError.js";
import type { RoleAssignmentFacts } from "./keyFacts.js";

const roleAssignmentSchema = z.looseObject({
  id: z.string().min(1),
  properties: z.looseObject({
    roleDefinitionId: z.string().min(1),
    principalId: z.string().min(1),
    scope: z.string().nullish(),
  }),
});

const ASSIGNMENT_SEGMENT = "/providers/microsoft.authorization/roleassignments/";

/**
 * Maps a `Microsoft.Authorization/roleAssignments` body (as GET or `listForScope` returns it) to
 * {@link RoleAssignmentFacts}. When `properties.scope` is absent the scope is read from the id,
 * which is always `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`.
 */
export function roleAssignmentFactsFromArm(resource: unknown): RoleAssignmentFacts {
  const ra = parseArmBody(roleAssignmentSchema, resource);
  let scope = ra.properties.scope ?? undefined;
  if (scope === undefined || scope === "") {
    const at = ra.id.toLowerCase().lastIndexOf(ASSIGNMENT_SEGMENT);
    if (at < 0) {
      throw new ArmFactsError(
        "ArmFactsInvalid",
        "properties.scope",
        "missing, and the id does not name a scope",
        ra.id,
      );
    }
    scope = at === 0 ? "/" : ra.id.slice(0, at);
  }
  return { scope, principalId: ra.properties.principalId, roleDefinitionId: ra.properties.roleDefinitionId };
}
