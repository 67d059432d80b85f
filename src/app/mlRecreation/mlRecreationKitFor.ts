import { stringField } from "../../core/arm/armResource.js";
import { sameText } from "../../core/arm/armValues.js";
import {
  buildMlRecreationKit,
  type MlRecreationKit,
} from "../../core/consumers/mlWorkspace/recreation/mlRecreationKit.js";
import { mlWorkspaceModule } from "../../core/consumers/mlWorkspace/mlWorkspaceModule.js";
import { ResourceIdError, parseResourceId } from "../../core/ids/resourceId.js";
import { readMlRecreationFacts, type MlRecreationReadDeps } from "./readMlRecreationFacts.js";

/** Stable codes of {@link MlRecreationInputError}. */
export type MlRecreationInputErrorCode =
  | "NotAnMlWorkspaceId"
  | "WorkspaceNotFound"
  | "ProjectIsRecreatedWithItsHub"
  | "WorkspaceHasCustomerManagedKey";

/** The id given cannot have a re-creation kit; the message says why and what to do instead. */
export class MlRecreationInputError extends Error {
  constructor(
    readonly code: MlRecreationInputErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "MlRecreationInputError";
  }
}

/**
 * The re-creation kit of one Machine Learning workspace or hub without a customer-managed key, from
 * a fresh read of it and of everything it holds. Reads only.
 * @throws {@link MlRecreationInputError} for an id that is not such a workspace.
 */
export async function mlRecreationKitFor(
  workspaceId: string,
  deps: MlRecreationReadDeps & { now: () => Date },
): Promise<MlRecreationKit> {
  let parsed;
  try {
    parsed = parseResourceId(workspaceId);
  } catch (error) {
    if (error instanceof ResourceIdError)
      throw new MlRecreationInputError("NotAnMlWorkspaceId", error.message);
    throw error;
  }
  if (!sameText(parsed.type, mlWorkspaceModule.resourceType)) {
    throw new MlRecreationInputError(
      "NotAnMlWorkspaceId",
      `${workspaceId} is a ${parsed.type}, not a Machine Learning workspace (${mlWorkspaceModule.resourceType})`,
    );
  }
  const workspace = await deps.port.readResource(parsed.id);
  if (workspace === undefined) {
    throw new MlRecreationInputError(
      "WorkspaceNotFound",
      `${workspaceId}: ARM answered that it does not exist`,
    );
  }
  if (sameText(workspace.kind, "Project")) {
    const hub = stringField(workspace, "properties", "hubResourceId") ?? "its hub";
    throw new MlRecreationInputError(
      "ProjectIsRecreatedWithItsHub",
      `${workspace.name} is a project: it is re-created with its hub, so make the kit of ${hub}`,
    );
  }
  if (sameText(stringField(workspace, "properties", "encryption", "status"), "Enabled")) {
    throw new MlRecreationInputError(
      "WorkspaceHasCustomerManagedKey",
      `${workspace.name} is already encrypted with a customer-managed key: nothing to re-create`,
    );
  }
  const facts = await readMlRecreationFacts(workspace, deps);
  return buildMlRecreationKit(facts, deps.now());
}
