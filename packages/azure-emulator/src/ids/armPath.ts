/**
 * The emulator's own reading of Azure Resource Manager request paths. It is written apart from the
 * product's parser on purpose: the emulator stands in for ARM, so a parsing mistake in the product
 * must not be shared by the oracle that tests it.
 *
 * ARM's routing grammar (Azure Resource Manager RPC, "Resource API reference"; keywords compared
 * case-insensitively):
 * ```
 * scope    := /subscriptions/{sub} [ /resourceGroups/{rg} ]
 * resource := scope ( /providers/{namespace} ( /{type}/{name} )+ )+
 * ```
 * An id with more than one `providers` block is an extension resource (a role assignment on a
 * vault); the part before its last block is the scope it extends.
 */

/** A path that ARM would not route to a resource. */
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

/** A routed resource id. */
export interface ParsedResourceId {
  /** The id without trailing slashes. */
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup?: string | undefined;
  /** Namespace of the last provider block; `Microsoft.Resources` for subscriptions and groups. */
  readonly provider: string;
  readonly types: readonly string[];
  readonly names: readonly string[];
  /** `{namespace}/{type}[/{childType}...]`. */
  readonly type: string;
  readonly name: string;
  /** What the resource sits in (group, subscription, or the extended resource). */
  readonly parentScope?: string | undefined;
  /** The parent of a child resource. */
  readonly parentId?: string | undefined;
  readonly isExtension: boolean;
}

const keyword = (segment: string | undefined, word: string): boolean =>
  segment?.toLowerCase() === word.toLowerCase();

// ARM refuses these before routing; a URL would otherwise resolve or cut them.
function hasRefusedCharacter(path: string): boolean {
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code <= 0x1f || code === 0x7f || code === 0x5c || code === 0x3f || code === 0x23) return true;
  }
  return false;
}

interface Block {
  readonly namespace: string;
  readonly pairs: { type: string; name: string }[];
  /** Index of the block's `providers` segment. */
  readonly at: number;
}

/**
 * Routes a resource id as ARM does.
 * @throws {@link ResourceIdError} naming what is wrong.
 */
export function parseResourceId(id: string): ParsedResourceId {
  // Ids come from untyped JSON (tenant files, request paths): refuse non-strings with the typed error.
  if (typeof (id as unknown) !== "string") throw new ResourceIdError("", "it is not a string");
  if (id.trim() === "") throw new ResourceIdError(id, "it is empty");
  const path = id.replace(/\/+$/, "");
  if (hasRefusedCharacter(path)) throw new ResourceIdError(id, "it contains a character ARM does not route");
  if (!path.startsWith("/")) throw new ResourceIdError(id, "it must start with '/subscriptions/'");
  const parts = path.slice(1).split("/");
  if (parts.some((p) => p === "")) throw new ResourceIdError(id, "it has an empty segment");
  if (parts.some((p) => /^(\.|%2e){1,2}$/i.test(p)))
    throw new ResourceIdError(id, "it has a relative path segment");
  if (!keyword(parts[0], "subscriptions") || parts[1] === undefined)
    throw new ResourceIdError(id, "it must start with '/subscriptions/{id}'");
  const subscriptionId = parts[1];
  const clean = `/${parts.join("/")}`;
  let cursor = 2;
  let resourceGroup: string | undefined;
  if (keyword(parts[cursor], "resourceGroups")) {
    resourceGroup = parts[cursor + 1];
    if (resourceGroup === undefined) throw new ResourceIdError(id, "the resource group name is missing");
    cursor += 2;
  }
  const blocks: Block[] = [];
  while (cursor < parts.length) {
    if (!keyword(parts[cursor], "providers"))
      throw new ResourceIdError(id, `expected 'providers', found '${parts[cursor] ?? ""}'`);
    const namespace = parts[cursor + 1];
    if (!namespace?.includes("."))
      throw new ResourceIdError(id, "a provider namespace is missing or malformed");
    const block: Block = { namespace, pairs: [], at: cursor };
    cursor += 2;
    while (cursor < parts.length && !keyword(parts[cursor], "providers")) {
      const type = parts[cursor] as string;
      const name = parts[cursor + 1];
      if (name === undefined || keyword(name, "providers"))
        throw new ResourceIdError(id, `resource type '${type}' has no name`);
      block.pairs.push({ type, name });
      cursor += 2;
    }
    if (block.pairs.length === 0) throw new ResourceIdError(id, `provider '${namespace}' names no type`);
    blocks.push(block);
  }
  const last = blocks.at(-1);
  if (last === undefined) {
    // A subscription or a resource group: ARM serves them from Microsoft.Resources.
    const group = resourceGroup !== undefined;
    return {
      id: clean,
      subscriptionId,
      resourceGroup,
      provider: "Microsoft.Resources",
      types: [group ? "resourceGroups" : "subscriptions"],
      names: [group ? (resourceGroup as string) : subscriptionId],
      type: `Microsoft.Resources/${group ? "resourceGroups" : "subscriptions"}`,
      name: group ? (resourceGroup as string) : subscriptionId,
      parentScope: group ? `/subscriptions/${subscriptionId}` : undefined,
      isExtension: false,
    };
  }
  const types = last.pairs.map((p) => p.type);
  const names = last.pairs.map((p) => p.name);
  return {
    id: clean,
    subscriptionId,
    resourceGroup,
    provider: last.namespace,
    types,
    names,
    type: [last.namespace, ...types].join("/"),
    name: names[names.length - 1] as string,
    parentScope: `/${parts.slice(0, last.at).join("/")}`,
    parentId: types.length > 1 ? `/${parts.slice(0, parts.length - 2).join("/")}` : undefined,
    isExtension: blocks.length > 1,
  };
}

/** Like {@link parseResourceId}, undefined for a path ARM would not route. */
export function tryParseResourceId(id: string): ParsedResourceId | undefined {
  try {
    return parseResourceId(id);
  } catch (error) {
    if (error instanceof ResourceIdError) return undefined;
    throw error;
  }
}
