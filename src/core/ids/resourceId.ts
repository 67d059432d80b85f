/**
 * Parsing of Azure Resource Manager resource ids. Pure: no I/O, no Azure SDK.
 *
 * Grammar (segment keywords are case-insensitive, like ARM):
 * ```
 * /subscriptions/{sub}
 * /subscriptions/{sub}/resourceGroups/{rg}
 * {scope}/providers/{Namespace}/{type}/{name}[/{childType}/{childName}]...
 * ```
 * where `{scope}` is a subscription, a resource group or, for extension resources such as role
 * assignments, any resource id (e.g. `{des id}/providers/Microsoft.Authorization/roleAssignments/{guid}`).
 */

/** A resource id that does not follow ARM's grammar; `problem` names what is wrong. */
export class ResourceIdError extends Error {
  readonly code = "InvalidResourceId";
  constructor(
    readonly id: string,
    readonly problem: string,
  ) {
    super(`Invalid resource id '${id}': ${problem}`);
    this.name = "ResourceIdError";
  }
}

/** The parts of a resource id. */
export interface ParsedResourceId {
  /** The id as given, without trailing slash. */
  readonly id: string;
  readonly subscriptionId: string;
  /** Resource group of the resource (or of the resource it extends); undefined at subscription level. */
  readonly resourceGroup?: string | undefined;
  /** Namespace of the last `providers` segment, e.g. `Microsoft.Compute`; `Microsoft.Resources` for groups. */
  readonly provider: string;
  /** Type segments after the namespace, e.g. `["accounts", "deployments"]`. */
  readonly types: readonly string[];
  /** Name segments, one per type. */
  readonly names: readonly string[];
  /** Full type, e.g. `Microsoft.Compute/diskEncryptionSets` or `Microsoft.CognitiveServices/accounts/deployments`. */
  readonly type: string;
  /** Last name segment. */
  readonly name: string;
  /**
   * Id of what the resource sits in: the resource group or subscription for a top-level resource,
   * the extended resource for an extension resource. Undefined for a subscription id.
   */
  readonly parentScope?: string | undefined;
  /** For a child resource (more than one type segment), the id of its parent resource. */
  readonly parentId?: string | undefined;
  /** True when the resource extends another resource (its scope itself has a `providers` segment). */
  readonly isExtension: boolean;
}

/** A backslash, `?`, `#` or an ASCII control character. */
function hasUnsafeCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f || code === 0x5c || code === 0x3f || code === 0x23) return true;
  }
  return false;
}

/** Splits an id into segments, refusing empty ones. */
function segmentsOf(id: string): string[] {
  if (!id.startsWith("/")) throw new ResourceIdError(id, "it must start with '/subscriptions/'");
  const trimmed = id.replace(/\/+$/, "");
  const segments = trimmed.split("/").slice(1);
  const empty = segments.findIndex((s) => s.length === 0);
  if (empty >= 0) throw new ResourceIdError(id, `segment ${empty + 1} is empty`);
  // The id becomes a request path (getById). A URL resolves `.`/`..` (also %2e-encoded), treats `\`
  // as `/`, drops tabs and newlines and cuts at `?`/`#`, so such an id could reach another resource,
  // or another subscription, than the one it names.
  const dots = segments.findIndex((s) => /^(\.|%2e){1,2}$/i.test(s));
  if (dots >= 0) throw new ResourceIdError(id, `segment ${dots + 1} is a relative path segment`);
  if (hasUnsafeCharacter(trimmed)) {
    throw new ResourceIdError(id, "it contains a backslash, '?', '#' or a control character");
  }
  return segments;
}

function eq(a: string | undefined, b: string): boolean {
  return a?.toLowerCase() === b.toLowerCase();
}

/**
 * Parses an ARM resource id.
 * @throws {@link ResourceIdError} when the id is not a valid resource id.
 */
export function parseResourceId(id: string): ParsedResourceId {
  // Ids often come from untyped JSON (events, tenant files); refuse non-strings with the typed error.
  if ((typeof id as string) !== "string") throw new ResourceIdError("", "it is not a string");
  if (id.trim() === "") throw new ResourceIdError(id, "it is empty");
  const segments = segmentsOf(id);
  const clean = `/${segments.join("/")}`;
  if (!eq(segments[0], "subscriptions"))
    throw new ResourceIdError(id, "it must start with '/subscriptions/'");
  const subscriptionId = segments[1];
  if (subscriptionId === undefined) throw new ResourceIdError(id, "the subscription id is missing");
  if (segments.length === 2) {
    return {
      id: clean,
      subscriptionId,
      provider: "Microsoft.Resources",
      types: ["subscriptions"],
      names: [subscriptionId],
      type: "Microsoft.Resources/subscriptions",
      name: subscriptionId,
      isExtension: false,
    };
  }
  let index = 2;
  let resourceGroup: string | undefined;
  if (eq(segments[index], "resourceGroups")) {
    resourceGroup = segments[index + 1];
    if (resourceGroup === undefined) throw new ResourceIdError(id, "the resource group name is missing");
    index += 2;
    if (index === segments.length) {
      return {
        id: clean,
        subscriptionId,
        resourceGroup,
        provider: "Microsoft.Resources",
        types: ["resourceGroups"],
        names: [resourceGroup],
        type: "Microsoft.Resources/resourceGroups",
        name: resourceGroup,
        parentScope: `/${segments.slice(0, 2).join("/")}`,
        isExtension: false,
      };
    }
  }
  // Walk every `providers/{ns}/{type}/{name}...` block; the last one describes the resource.
  let providerIndex = -1;
  let blocks = 0;
  while (index < segments.length) {
    if (!eq(segments[index], "providers")) {
      throw new ResourceIdError(
        id,
        `expected 'providers' at segment ${index + 1}, found '${segments[index] ?? ""}'`,
      );
    }
    const namespace = segments[index + 1];
    if (namespace === undefined) throw new ResourceIdError(id, "the provider namespace is missing");
    if (!namespace.includes(".")) {
      throw new ResourceIdError(id, `'${namespace}' is not a provider namespace (e.g. Microsoft.Compute)`);
    }
    providerIndex = index;
    blocks++;
    index += 2;
    let pairs = 0;
    while (index < segments.length && !eq(segments[index], "providers")) {
      const typeSegment = segments[index];
      const nameSegment = segments[index + 1];
      if (nameSegment === undefined || eq(nameSegment, "providers")) {
        throw new ResourceIdError(id, `the name of resource type '${typeSegment ?? ""}' is missing`);
      }
      pairs++;
      index += 2;
    }
    if (pairs === 0) throw new ResourceIdError(id, `no resource type follows provider '${namespace}'`);
  }
  if (providerIndex < 0) throw new ResourceIdError(id, "no 'providers' segment");
  const provider = segments[providerIndex + 1] ?? "";
  const tail = segments.slice(providerIndex + 2);
  const types = tail.filter((_, i) => i % 2 === 0);
  const names = tail.filter((_, i) => i % 2 === 1);
  const parentScope = `/${segments.slice(0, providerIndex).join("/")}`;
  return {
    id: clean,
    subscriptionId,
    resourceGroup,
    provider,
    types,
    names,
    type: [provider, ...types].join("/"),
    name: names[names.length - 1] ?? "",
    parentScope,
    parentId: types.length > 1 ? `/${segments.slice(0, segments.length - 2).join("/")}` : undefined,
    isExtension: blocks > 1,
  };
}

/** Like {@link parseResourceId} but returns undefined instead of throwing. */
export function tryParseResourceId(id: string): ParsedResourceId | undefined {
  try {
    return parseResourceId(id);
  } catch (error) {
    if (error instanceof ResourceIdError) return undefined;
    throw error;
  }
}

/** The id of the resource group a resource lives in, or undefined at subscription level. */
export function resourceGroupIdOf(parsed: ParsedResourceId): string | undefined {
  return parsed.resourceGroup === undefined
    ? undefined
    : `/subscriptions/${parsed.subscriptionId}/resourceGroups/${parsed.resourceGroup}`;
}

/** Case-insensitive comparison of two resource ids (trailing slashes ignored). */
export function sameResourceId(a: string, b: string): boolean {
  return a.replace(/\/+$/, "").toLowerCase() === b.replace(/\/+$/, "").toLowerCase();
}
