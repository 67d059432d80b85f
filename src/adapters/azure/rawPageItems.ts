import type { ArmResourceJson } from "../../core/arm/armResource.js";

/**
 * The items of one ARM list page (`{value: [...], nextLink}`) exactly as ARM sent them, from the
 * response text. Track 2 clients deserialize typed models (for example Compute's `Snapshot`, which
 * moves `properties.*` to the top level), so a caller that reasons over ARM JSON reads the text.
 * Undefined when the text is not such a page.
 */
export function rawPageItems(bodyAsText: string | null | undefined): ArmResourceJson[] | undefined {
  if (bodyAsText === undefined || bodyAsText === null || bodyAsText === "") return undefined;
  let page: unknown;
  try {
    page = JSON.parse(bodyAsText);
  } catch {
    return undefined;
  }
  const value = (page as { value?: unknown } | null)?.value;
  if (!Array.isArray(value)) return undefined;
  return value.filter(
    (item): item is ArmResourceJson =>
      typeof item === "object" && item !== null && typeof (item as { id?: unknown }).id === "string",
  );
}
