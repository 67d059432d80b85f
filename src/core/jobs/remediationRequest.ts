import { z } from "zod";
import { tryParseResourceId } from "../ids/resourceId.js";
import { keyRefFromUri } from "../ids/keyId.js";
import { RemediationInputError } from "./remediationInputError.js";

const schema = z
  .object({
    resourceId: z.string().min(1).optional(),
    keyId: z.string().min(1).optional(),
    subscriptionId: z.string().optional(),
    planId: z.string().optional(),
    apply: z.boolean().optional(),
  })
  .strict();

/** A validated manual remediation request. */
export type RemediationRequest =
  | { target: "plan"; planId: string; apply: true }
  | { target: "resource"; resourceId: string; apply: boolean }
  | { target: "key"; keyId: string; apply: boolean }
  | { target: "subscription"; subscriptionId: string; apply: boolean };

const subscriptionGuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const planIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Validates the body of `POST /api/remediate`: a `planId` to apply (alone, `apply` absent or true),
 * or exactly one of `resourceId`, `keyId` or `subscriptionId` with an optional boolean `apply`.
 * Problems throw {@link RemediationInputError} naming the field.
 */
export function parseRemediationRequest(body: unknown): RemediationRequest {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new RemediationInputError(
      "body",
      'expected a JSON object such as {"resourceId": "/subscriptions/...", "apply": false}',
    );
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field =
      issue?.code === "unrecognized_keys" ? (issue.keys[0] ?? "body") : String(issue?.path[0] ?? "body");
    throw new RemediationInputError(field, `${field}: ${issue?.message ?? "invalid"}`);
  }
  const { resourceId, keyId, subscriptionId, planId } = result.data;
  if (planId !== undefined) {
    if (!planIdPattern.test(planId))
      throw new RemediationInputError("planId", `planId: ${planId} is not a plan id (a GUID)`);
    const other = resourceId !== undefined ? "resourceId" : keyId !== undefined ? "keyId" : "subscriptionId";
    if (resourceId !== undefined || keyId !== undefined || subscriptionId !== undefined)
      throw new RemediationInputError(other, `${other}: a plan names its own target; send planId alone`);
    if (result.data.apply === false)
      throw new RemediationInputError("apply", "apply: a plan id is applied; omit apply or set it true");
    return { target: "plan", planId, apply: true };
  }
  const apply = result.data.apply ?? false;
  const named = [resourceId, keyId, subscriptionId].filter((v) => v !== undefined).length;
  if (named !== 1) {
    throw new RemediationInputError(
      resourceId === undefined ? "resourceId" : keyId === undefined ? "subscriptionId" : "keyId",
      "name exactly one of resourceId, keyId or subscriptionId",
    );
  }
  if (subscriptionId !== undefined) {
    if (!subscriptionGuid.test(subscriptionId)) {
      throw new RemediationInputError(
        "subscriptionId",
        `subscriptionId: ${subscriptionId} is not a subscription id (a GUID)`,
      );
    }
    return { target: "subscription", subscriptionId, apply };
  }
  if (resourceId !== undefined) {
    if (tryParseResourceId(resourceId) === undefined) {
      throw new RemediationInputError(
        "resourceId",
        `resourceId: ${resourceId} is not an ARM resource id (/subscriptions/{id}/resourceGroups/{group}/providers/...)`,
      );
    }
    return { target: "resource", resourceId, apply };
  }
  if (keyId === undefined || keyRefFromUri(keyId) === undefined) {
    throw new RemediationInputError(
      "keyId",
      `keyId: ${keyId ?? ""} is not a Key Vault key URI (https://{vault}/keys/{name}[/{version}])`,
    );
  }
  return { target: "key", keyId, apply };
}
