import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { commonTypesV3, managedIdentityV3, WORKSPACE_RP_ID } from "../fixtures/armCommonTypesV3.js";

/**
 * The Machine Learning `Workspace` PUT schema (`workspaceRP.json`, 2025-09-01, from the vendored
 * conformance material; listed in its manifest.json) compiled with ajv, plus the two checks JSON
 * Schema cannot express for a Swagger document: a request must not set a `readOnly` property, and
 * every property must be one the definition names (Swagger leaves `additionalProperties` open, which
 * would let a misspelt field through).
 */

const MATERIAL =
  "test/conformance/material/rest-api-specs/machinelearningservices/2025-09-01/openapi/workspaceRP.json";

type Schema = Record<string, unknown>;
const workspaceRp = JSON.parse(readFileSync(MATERIAL, "utf8")) as Schema;
const docs = new Map<string, Schema>([
  [WORKSPACE_RP_ID, workspaceRp],
  [commonTypesV3.$id, commonTypesV3],
  [managedIdentityV3.$id, managedIdentityV3],
]);

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ajv = new Ajv({
  strict: false,
  allErrors: true,
  validateSchema: false,
  formats: {
    uuid,
    "date-time": (s: string) => !Number.isNaN(Date.parse(s)),
    uri: (s: string) => URL.canParse(s),
    "arm-id": (s: string) => s.startsWith("/"),
    int32: true,
    int64: true,
    double: true,
    float: true,
    duration: true,
    password: true,
    byte: true,
    "date-time-rfc1123": true,
  },
});
ajv.addSchema(workspaceRp, WORKSPACE_RP_ID);
ajv.addSchema(commonTypesV3);
ajv.addSchema(managedIdentityV3);

const validateWorkspace = ajv.getSchema(`${WORKSPACE_RP_ID}#/definitions/Workspace`);
if (validateWorkspace === undefined)
  throw new Error("the Workspace definition was not found in workspaceRP.json");

function resolve(ref: string, base: string): { schema: Schema; base: string } {
  const url = new URL(ref, base);
  const docId = `${url.origin}${url.pathname}`;
  const doc = docs.get(docId);
  if (doc === undefined) throw new Error(`$ref ${ref} from ${base}: no document ${docId}`);
  let node: unknown = doc;
  for (const part of decodeURIComponent(url.hash.slice(1))
    .split("/")
    .filter((p) => p !== "")) {
    node = (node as Schema)[part];
  }
  if (node === undefined) throw new Error(`$ref ${ref}: nothing at ${url.hash}`);
  return { schema: node as Schema, base: docId };
}

/** The schema with its `$ref` followed, and the properties it names through `allOf` too. */
function flatten(
  schema: Schema,
  base: string,
): { schema: Schema; base: string; properties: Map<string, [Schema, string]> } {
  let s = schema;
  let b = base;
  while (typeof s.$ref === "string") ({ schema: s, base: b } = resolve(s.$ref, b));
  const properties = new Map<string, [Schema, string]>();
  for (const part of (s.allOf as Schema[] | undefined) ?? []) {
    for (const [k, v] of flatten(part, b).properties) properties.set(k, v);
  }
  for (const [k, v] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {}))
    properties.set(k, [v, b]);
  return { schema: s, base: b, properties };
}

function walk(value: unknown, schema: Schema, base: string, path: string, problems: string[]): void {
  const flat = flatten(schema, base);
  if (Array.isArray(value)) {
    const items = flat.schema.items as Schema | undefined;
    if (items !== undefined)
      value.forEach((v, i) => {
        walk(v, items, flat.base, `${path}[${i}]`, problems);
      });
    return;
  }
  if (value === null || typeof value !== "object") return;
  // A polymorphic definition (Swagger `discriminator`) allows its subtypes' properties too.
  const open = flat.schema.discriminator !== undefined;
  const additional = flat.schema.additionalProperties as Schema | boolean | undefined;
  for (const [key, v] of Object.entries(value)) {
    const at = `${path}.${key}`;
    const prop = flat.properties.get(key);
    if (prop !== undefined) {
      if (prop[0].readOnly === true) problems.push(`${at} is read-only: a request must not set it`);
      else walk(v, prop[0], prop[1], at, problems);
    } else if (typeof additional === "object") {
      walk(v, additional, flat.base, at, problems);
    } else if (!open && flat.properties.size > 0 && additional !== true) {
      problems.push(`${at} is not a property of the definition`);
    }
  }
}

/** Every reason the body is not a valid `Workspace` PUT body (empty when valid). */
export function workspacePutProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (validateWorkspace?.(body) !== true) {
    for (const e of validateWorkspace?.errors ?? []) {
      problems.push(`${e.instancePath === "" ? "(body)" : e.instancePath} ${e.message ?? e.keyword}`);
    }
  }
  walk(body, { $ref: "#/definitions/Workspace" }, WORKSPACE_RP_ID, "$", problems);
  return problems;
}
