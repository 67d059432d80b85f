/** A Resource Graph query request, validated (the body of `POST /providers/Microsoft.ResourceGraph/resources`). */
export interface ResourceGraphRequest {
  readonly query: string;
  /** Subscription ids as sent; empty when none were named. */
  readonly subscriptions: readonly string[];
  /** Management group names as sent; empty when none were named. */
  readonly managementGroups: readonly string[];
  /** Page size: `$top`, 1 to 1000, default 100. */
  readonly top: number;
  /** Rows to skip before the first page: `$skip`, default 0. */
  readonly skip: number;
  readonly skipToken: string | undefined;
  readonly resultFormat: "objectArray" | "table";
}

/** A request body Resource Graph would refuse; `field` names the offending member. */
export class ResourceGraphRequestError extends Error {
  readonly code = "BadRequest";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "ResourceGraphRequestError";
  }
}

/** Resource Graph's own limit on `$top`. */
export const maxTop = 1000;
const defaultTop = 100;

function stringList(value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === "string" && v.trim() !== "")) {
    throw new ResourceGraphRequestError(field, `'${field}' must be an array of non-empty strings.`);
  }
  return value;
}

function wholeNumber(value: unknown, field: string, min: number, max: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ResourceGraphRequestError(
      field,
      `'${field}' must be a whole number from ${min} to ${max}; got ${JSON.stringify(value)}.`,
    );
  }
  return value;
}

/**
 * Validates a request body. `apiVersion` decides the default result format: `table` before
 * 2021-03-01, `objectArray` from then on, as in Azure.
 */
export function parseResourceGraphRequest(
  body: string | undefined,
  apiVersion: string,
): ResourceGraphRequest {
  let json: unknown;
  try {
    json = JSON.parse(body ?? "");
  } catch {
    throw new ResourceGraphRequestError("body", "The request body must be a JSON object with a 'query'.");
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new ResourceGraphRequestError("body", "The request body must be a JSON object with a 'query'.");
  }
  const request = json as Record<string, unknown>;
  const query = request.query;
  if (typeof query !== "string" || query.trim() === "") {
    throw new ResourceGraphRequestError(
      "query",
      "The 'query' field is required and must be a non-empty string.",
    );
  }
  const subscriptions = stringList(request.subscriptions, "subscriptions");
  const managementGroups = stringList(request.managementGroups, "managementGroups");
  if (subscriptions.length > 0 && managementGroups.length > 0) {
    throw new ResourceGraphRequestError(
      "managementGroups",
      "Name either 'subscriptions' or 'managementGroups', not both.",
    );
  }
  if (Array.isArray(request.facets) && request.facets.length > 0) {
    throw new ResourceGraphRequestError("facets", "'facets' are not supported by the emulator.");
  }
  const rawOptions = request.options ?? {};
  if (typeof rawOptions !== "object" || Array.isArray(rawOptions)) {
    throw new ResourceGraphRequestError("options", "'options' must be an object.");
  }
  const options = rawOptions as Record<string, unknown>;
  const skipToken = options.$skipToken;
  if (skipToken !== undefined && skipToken !== null && typeof skipToken !== "string") {
    throw new ResourceGraphRequestError("$skipToken", "'$skipToken' must be a string.");
  }
  const format = options.resultFormat ?? (apiVersion < "2021-03-01" ? "table" : "objectArray");
  if (format !== "objectArray" && format !== "table") {
    throw new ResourceGraphRequestError(
      "resultFormat",
      `'resultFormat' must be 'objectArray' or 'table'; got ${JSON.stringify(format)}.`,
    );
  }
  return {
    query,
    subscriptions,
    managementGroups,
    top: wholeNumber(options.$top, "$top", 1, maxTop, defaultTop),
    skip: wholeNumber(options.$skip, "$skip", 0, Number.MAX_SAFE_INTEGER, 0),
    skipToken: typeof skipToken === "string" && skipToken !== "" ? skipToken : undefined,
    resultFormat: format,
  };
}
