import type { ArmResource } from "../tenantFile.js";
import { field, sameText, stringField } from "./validation/bodyFields.js";

/**
 * Resource types whose writes are long-running operations in the emulator (as in Azure): the write
 * answers with Azure-AsyncOperation/Location headers and completes through polling.
 */
const longRunningTypes = new Set([
  "microsoft.compute/diskencryptionsets",
  "microsoft.compute/disks",
  "microsoft.cognitiveservices/accounts",
  "microsoft.machinelearningservices/workspaces",
]);

/**
 * Types whose providers answer 202 Accepted with no body: Machine Learning `Workspaces_Update` and
 * `Workspaces_CreateOrUpdate` declare no schema for 202 (the vendored workspaceRP.json), while
 * Compute and Cognitive Services return the resource.
 */
const acceptedWithoutBodyTypes = new Set(["microsoft.machinelearningservices/workspaces"]);

/** Whether a 202 to a write of this type carries no body. */
export function acceptedWithoutBody(type: string): boolean {
  return acceptedWithoutBodyTypes.has(type.toLowerCase());
}

/** Whether writes to this type are long-running. */
export function isLongRunningType(type: string): boolean {
  return longRunningTypes.has(type.toLowerCase());
}

/** A copy of the body with `properties.provisioningState` set. */
export function withProvisioningState(body: ArmResource, provisioningState: string): ArmResource {
  const copy = structuredClone(body);
  copy.properties = { ...(copy.properties ?? {}), provisioningState };
  return copy;
}

function isDes(body: ArmResource): boolean {
  return body.type.toLowerCase() === "microsoft.compute/diskencryptionsets";
}

function keyChanged(previous: ArmResource | undefined, next: ArmResource): boolean {
  return (
    previous !== undefined &&
    !sameText(
      stringField(previous, "properties", "activeKey", "keyUrl"),
      stringField(next, "properties", "activeKey", "keyUrl"),
    )
  );
}

/**
 * The body stored while a write is in progress. A disk encryption set whose active key changes
 * lists the old key in `previousKeys` until the rotation completes, as Compute reports it.
 */
export function inProgressBody(
  previous: ArmResource | undefined,
  next: ArmResource,
  state: string,
): ArmResource {
  const body = withProvisioningState(next, state);
  if (isDes(body) && keyChanged(previous, next)) {
    const oldKey = field(previous, "properties", "activeKey");
    body.properties = {
      ...body.properties,
      previousKeys: oldKey === undefined ? [] : [structuredClone(oldKey)],
    };
  }
  return body;
}

/** The body once the write succeeded: provisioning done, a rotated key set's bookkeeping updated. */
export function succeededBody(
  previous: ArmResource | undefined,
  current: ArmResource,
  now: number,
): ArmResource {
  const body = withProvisioningState(current, "Succeeded");
  if (isDes(body) && keyChanged(previous, current)) {
    body.properties = {
      ...body.properties,
      previousKeys: [],
      lastKeyRotationTimestamp: new Date(now).toISOString(),
    };
  }
  return body;
}

/**
 * Gives a system-assigned identity its principal, as ARM does on write: the previous principal is
 * kept, a new identity gets a fresh id. Identities of type `None` lose their principal.
 */
export function withAssignedIdentity(
  body: ArmResource,
  previous: ArmResource | undefined,
  tenantId: string,
  newId: () => string,
): ArmResource {
  const identity = body.identity;
  if (identity === undefined || identity === null) return body;
  const type = typeof identity.type === "string" ? identity.type.toLowerCase() : "";
  const copy = structuredClone(body);
  if (type.includes("systemassigned")) {
    const previousPrincipal = field(previous, "identity", "principalId");
    copy.identity = {
      ...identity,
      principalId:
        typeof identity.principalId === "string"
          ? identity.principalId
          : typeof previousPrincipal === "string"
            ? previousPrincipal
            : newId(),
      tenantId: typeof identity.tenantId === "string" ? identity.tenantId : tenantId,
    };
  } else if (type === "none") {
    copy.identity = { type: identity.type };
  }
  return copy;
}
