import { stringField, type ArmResourceJson } from "../../arm/armResource.js";
import type { ContextNeed } from "../../findings/contextNeed.js";
import type { ResourceModule } from "../resourceModule.js";
import { evaluateMlWorkspace } from "./mlWorkspaceFindings.js";
import { mlWorkspaceRule } from "./mlWorkspaceRule.js";

/** A Project inherits its encryption from its Hub, so judging it needs the Hub. */
function contextNeeds(resource: ArmResourceJson): ContextNeed[] {
  const hubId = stringField(resource, "properties", "hubResourceId");
  return resource.kind?.toLowerCase() === "project" && hubId !== undefined
    ? [{ kind: "hub", id: hubId }]
    : [];
}

/** Machine Learning workspaces, hubs and projects (`Microsoft.MachineLearningServices/workspaces`). */
export const mlWorkspaceModule: ResourceModule = {
  resourceType: mlWorkspaceRule.resourceType,
  displayName: mlWorkspaceRule.displayName,
  apiVersion: "2024-10-01",
  evaluate: evaluateMlWorkspace,
  contextNeeds,
  consumer: mlWorkspaceRule,
};
