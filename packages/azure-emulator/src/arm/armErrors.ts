import type { ParsedResourceId } from "../ids/armPath.js";
import { armError } from "../armError.js";
import { jsonResponse, type EmulatorResponse } from "../emulatorTypes.js";

// ARM's error answers, with the codes and message shapes Azure Resource Manager uses, so the
// service's error handling is exercised against realistic bodies.

/** 400 MissingApiVersionParameter: every ARM call needs `?api-version=`. */
export function missingApiVersion(): EmulatorResponse {
  return armError(
    400,
    "MissingApiVersionParameter",
    "The api-version query parameter (?api-version=) is required for all requests.",
  );
}

/** 400 InvalidApiVersionParameter: the api-version is not a date-shaped version. */
export function invalidApiVersion(apiVersion: string): EmulatorResponse {
  return armError(
    400,
    "InvalidApiVersionParameter",
    `The api-version '${apiVersion}' is invalid. The supported versions look like 'yyyy-mm-dd' or 'yyyy-mm-dd-preview'.`,
  );
}

/** 404 SubscriptionNotFound. */
export function subscriptionNotFound(subscriptionId: string): EmulatorResponse {
  return armError(404, "SubscriptionNotFound", `The subscription '${subscriptionId}' could not be found.`);
}

/** 404 ResourceGroupNotFound. */
export function resourceGroupNotFound(resourceGroup: string): EmulatorResponse {
  return armError(404, "ResourceGroupNotFound", `Resource group '${resourceGroup}' could not be found.`);
}

/** `Microsoft.Compute/diskEncryptionSets/des1` or, for a child, `.../accounts/a1/deployments/d1`. */
function qualifiedName(parsed: ParsedResourceId): string {
  const pairs = parsed.types.map((t, i) => `${t}/${parsed.names[i] ?? ""}`);
  return `${parsed.provider}/${pairs.join("/")}`;
}

/** 404 ResourceNotFound (RoleAssignmentNotFound for role assignments), in ARM's message shape. */
export function resourceNotFound(parsed: ParsedResourceId): EmulatorResponse {
  if (parsed.type.toLowerCase() === "microsoft.authorization/roleassignments") {
    return armError(404, "RoleAssignmentNotFound", `The role assignment '${parsed.name}' is not found.`);
  }
  const where = parsed.resourceGroup === undefined ? "" : ` under resource group '${parsed.resourceGroup}'`;
  return armError(
    404,
    "ResourceNotFound",
    `The Resource '${qualifiedName(parsed)}'${where} was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

/** 404 ParentResourceNotFound: a nested resource's parent does not exist. */
export function parentResourceNotFound(parentName: string): EmulatorResponse {
  return armError(
    404,
    "ParentResourceNotFound",
    `Can not perform requested operation on nested resource. Parent resource '${parentName}' not found.`,
  );
}

/** 400 InvalidRequestContent: the body is not a JSON object. */
export function invalidRequestContent(detail: string): EmulatorResponse {
  return armError(
    400,
    "InvalidRequestContent",
    `The request content was invalid and could not be deserialized: '${detail}'.`,
  );
}

/** 400 InvalidParameter, naming the offending field in `target` when known. */
export function invalidParameter(message: string, target?: string): EmulatorResponse {
  return refusal(400, "InvalidParameter", message, target);
}

/** 412 PreconditionFailed: If-Match / If-None-Match not met. */
export function preconditionFailed(): EmulatorResponse {
  return armError(
    412,
    "PreconditionFailed",
    "The condition specified using HTTP conditional header(s) is not met.",
  );
}

/** 405 for a method the addressed path does not support. */
export function methodNotAllowed(method: string): EmulatorResponse {
  return armError(
    405,
    "MethodNotAllowed",
    `The requested resource does not support http method '${method}'.`,
  );
}

/** 400 InvalidResourceId: the path is not an ARM resource path. */
export function invalidResourceId(problem: string): EmulatorResponse {
  return armError(400, "InvalidResourceId", problem);
}

/** An error answer that may name the offending field (`target`), as Compute and others do. */
export function refusal(status: number, code: string, message: string, target?: string): EmulatorResponse {
  return jsonResponse(status, {
    error: target === undefined ? { code, message } : { code, message, target },
  });
}
