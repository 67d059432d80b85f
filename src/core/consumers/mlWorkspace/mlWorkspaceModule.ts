import { stringField, type ArmResourceJson } from "../../arm/armResource.js";
import type { ContextNeed } from "../../findings/contextNeed.js";
import type { ResourceModule } from "../resourceModule.js";
import { evaluateMlWorkspace } from "./mlWorkspaceFindings.js";
import { mlWorkspaceRule } from "./mlWorkspaceRule.js";

/**
 * A Project inherits its encryption from its Hub, so judging it needs the Hub. A workspace or hub
 * without a customer-managed key gets a re-creation kit in its ticket, made from what it holds.
 */
function contextNeeds(resource: ArmResourceJson): ContextNeed[] {
  const hubId = stringField(resource, "properties", "hubResourceId");
  if (resource.kind?.toLowerCase() === "project")
    return hubId === undefined ? [] : [{ kind: "hub", id: hubId }];
  return needsRecreation(resource) ? [{ kind: "mlRecreation", id: resource.id }] : [];
}

/** Not a Project and not encrypted with a customer-managed key: it can only be re-created. */
function needsRecreation(resource: ArmResourceJson): boolean {
  return (
    resource.kind?.toLowerCase() !== "project" &&
    stringField(resource, "properties", "encryption", "status")?.toLowerCase() !== "enabled"
  );
}

/** Machine Learning workspaces, hubs and projects (`Microsoft.MachineLearningServices/workspaces`). */
export const mlWorkspaceModule: ResourceModule = {
  resourceType: mlWorkspaceRule.resourceType,
  displayName: mlWorkspaceRule.displayName,
  apiVersion: "2024-10-01",
  evaluate: evaluateMlWorkspace,
  contextNeeds,
  // Its ticket shows what is still to move, read by the worker: worth a fresh look every sweep.
  refreshEverySweep: needsRecreation,
  // A delete event alone never closes its ticket: ARM must answer 404 first.
  consumer: mlWorkspaceRule,
};
