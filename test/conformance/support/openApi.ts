import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { commonTypesStubs } from "./commonTypesStubs.js";
import { entriesOfKind, materialJson } from "./material.js";

/*
 * The vendored OpenAPI 2.0 definitions as JSON Schema validators (ajv). OpenAPI 2.0 schemas are a
 * JSON Schema draft-04 subset plus `x-ms-*` extensions; what this loader does about the differences:
 * - every file gets its path in the specs repository as `$id`, so relative `$ref`s across files
 *   resolve as they do in the repository; the `common-types` files are stubs (commonTypesStubs.ts);
 * - `x-ms-*`, `discriminator`, `example` and other extensions are ignored (ajv `strict: false`);
 * - enums are compared case-insensitively (ARM does); an enum with `x-ms-enum.modelAsString` is
 *   open in responses (Azure adds values; clients must accept them) and closed in requests;
 * - `readOnly` properties are refused in request bodies (a request that sends one is drifting);
 * - a schema with `properties` and no `type` is an object, as autorest reads it;
 * - `null` members are taken as absent before validation: Azure writes them for unset values
 *   (Key Vault's last page has `"nextLink": null`), and a merge patch sends them to delete;
 * - formats: `date-time`, `uuid`, `uri`/`url`, `arm-id`, `duration`, `base64url`, `unixtime`,
 *   `int32`/`int64`/`float`/`double` are checked; any other format is accepted.
 */

/** Where a specs file lives in Azure/azure-rest-api-specs, as an absolute URI for `$id`. */
const base = "https://specs.invalid/";

type Json = Record<string, unknown>;
type Mode = "request" | "response";

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Rewrites one schema document for a mode (see the header). */
function transform(node: unknown, mode: Mode): unknown {
  if (Array.isArray(node)) return node.map((n) => transform(n, mode));
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "enum" && Array.isArray(value) && value.every((v) => typeof v === "string")) {
      const open =
        mode === "response" && isObject(node["x-ms-enum"]) && node["x-ms-enum"].modelAsString === true;
      if (!open) out.enumIgnoringCase = value;
      continue;
    }
    if (key === "type" && value === "file") continue;
    if (key === "properties" && isObject(value)) {
      // A map of property schemas, not a schema: each member is transformed, the map itself is not.
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, schema]) => [name, transform(schema, mode)]),
      );
      if (mode === "request") {
        const readOnly = Object.entries(value)
          .filter(([, p]) => isObject(p) && p.readOnly === true)
          .map(([name]) => name);
        if (readOnly.length > 0) out.notSentReadOnly = readOnly;
      }
      continue;
    }
    out[key] = transform(value, mode);
  }
  // Autorest and the SDKs read a schema with properties and no type as an object; JSON Schema
  // would accept any non-object for it.
  if (node.type === undefined && (isObject(node.properties) || node.additionalProperties !== undefined)) {
    out.type = "object";
  }
  return out;
}

/** `null` members left out, recursively: Azure writes them for unset values. */
export function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => [k, withoutNulls(v)]),
  );
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?$/;

function addFormats(ajv: Ajv): void {
  const url = (s: string): boolean => {
    try {
      new URL(s);
      return true;
    } catch {
      return false;
    }
  };
  ajv.addFormat("date-time", {
    type: "string",
    validate: (s: string) => RFC3339.test(s) && !Number.isNaN(Date.parse(s)),
  });
  ajv.addFormat("uuid", {
    type: "string",
    validate: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  });
  ajv.addFormat("uri", { type: "string", validate: url });
  ajv.addFormat("url", { type: "string", validate: url });
  ajv.addFormat("arm-id", { type: "string", validate: (s: string) => s.startsWith("/") });
  ajv.addFormat("duration", {
    type: "string",
    validate: /^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/,
  });
  ajv.addFormat("base64url", { type: "string", validate: /^[A-Za-z0-9_-]*={0,2}$/ });
  ajv.addFormat("unixtime", { type: "number", validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat("int32", {
    type: "number",
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
  ajv.addFormat("float", { type: "number", validate: (n: number) => Number.isFinite(n) });
  ajv.addFormat("double", { type: "number", validate: (n: number) => Number.isFinite(n) });
}

function newAjv(documents: ReadonlyMap<string, Json>, mode: Mode): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, validateFormats: true });
  addFormats(ajv);
  ajv.addKeyword({
    keyword: "enumIgnoringCase",
    type: "string",
    schemaType: "array",
    validate: (allowed: string[], data: string) =>
      allowed.some((a) => a.toLowerCase() === data.toLowerCase()),
    errors: false,
  });
  ajv.addKeyword({
    keyword: "notSentReadOnly",
    type: "object",
    schemaType: "array",
    validate: (names: string[], data: Json) => names.every((n) => !(n in data)),
    errors: false,
  });
  for (const [path, doc] of documents)
    ajv.addSchema({ ...(transform(doc, mode) as Json), $id: `${base}${path}` });
  return ajv;
}

/** One operation of a vendored OpenAPI file. */
export interface OpenApiOperation {
  readonly operationId: string;
  readonly method: string;
  readonly pathTemplate: string;
  /** Path of the OpenAPI file in the specs repository. */
  readonly file: string;
  /** The api-version of the vendored file (its folder). */
  readonly apiVersion: string;
  /** True for the Key Vault data plane (host `{vaultBaseUrl}`), false for ARM. */
  readonly dataPlane: boolean;
  readonly pattern: RegExp;
  /** Literal characters of the template: the more, the more specific. */
  readonly specificity: number;
  /** JSON pointer of the body parameter's schema, when the operation takes a body. */
  readonly requestSchema?: string;
  /** JSON pointers of the response schemas, by status (`default` for errors). */
  readonly responseSchemas: Readonly<Record<string, string>>;
}

function templatePattern(template: string, greedy: ReadonlySet<string>): RegExp {
  const source = template
    .split(/(\{[^}]+\})/)
    .map((part) => {
      const name = /^\{([^}]+)\}$/.exec(part)?.[1];
      if (name === undefined) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      // A scope may be `/` itself (Managed HSM's root scope), which leaves nothing once the path's
      // repeated slashes are folded: `{hsm}//providers/...` is `/{scope}/providers/...` with scope `/`.
      if (name === "scope") return "\u0000";
      return greedy.has(name) ? ".+" : "[^/]+";
    })
    .join("")
    .replace("/\u0000", "(?:/.+)?")
    .replace("\u0000", ".+");
  return new RegExp(`^${source}/?$`, "i");
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** The vendored OpenAPI files, their operations, and validators over them. */
export class OpenApiCatalog {
  readonly documents = new Map<string, Json>();
  readonly operations: OpenApiOperation[] = [];
  private readonly ajv: Record<Mode, Ajv>;
  private readonly compiled = new Map<string, ValidateFunction>();

  /** @param patch - corrections applied to a document before use (each one explained by the caller). */
  constructor(patch: (file: string, doc: Json) => void = () => undefined) {
    for (const entry of entriesOfKind("openapi"))
      this.documents.set(entry.path, materialJson(entry.file) as Json);
    for (const [path, stub] of Object.entries(commonTypesStubs))
      this.documents.set(path, structuredClone(stub) as Json);
    for (const [path, doc] of this.documents) patch(path, doc);
    for (const [path, doc] of this.documents) this.collectOperations(path, doc);
    this.ajv = { request: newAjv(this.documents, "request"), response: newAjv(this.documents, "response") };
  }

  private collectOperations(file: string, doc: Json): void {
    const apiVersion = /\/(\d{4}-\d{2}-\d{2}(?:-preview)?|\d+\.\d+)\/[^/]+$/.exec(file)?.[1] ?? "";
    const dataPlane = isObject(doc["x-ms-parameterized-host"]);
    for (const section of ["paths", "x-ms-paths"]) {
      const paths = doc[section];
      if (!isObject(paths)) continue;
      for (const [template, item] of Object.entries(paths)) {
        if (!isObject(item)) continue;
        for (const [method, op] of Object.entries(item)) {
          if (!isObject(op) || typeof op.operationId !== "string") continue;
          const greedy = new Set<string>();
          let requestSchema: string | undefined;
          const scopes: [unknown, string[]][] = [
            [item.parameters, [section, template, "parameters"]],
            [op.parameters, [section, template, method, "parameters"]],
          ];
          for (const [list, at] of scopes) {
            if (!Array.isArray(list)) continue;
            list.forEach((raw: unknown, index) => {
              const found = this.parameter(doc, raw, [...at, String(index)]);
              if (found === undefined) return;
              const { p, pointer } = found;
              if (p.in === "path" && p["x-ms-skip-url-encoding"] === true && typeof p.name === "string")
                greedy.add(p.name);
              if (p.in === "body") requestSchema = `${pointer}/schema`;
            });
          }
          const responses = isObject(op.responses) ? op.responses : {};
          const responseSchemas: Record<string, string> = {};
          for (const [status, response] of Object.entries(responses)) {
            const resolved =
              isObject(response) && typeof response.$ref === "string"
                ? this.follow(file, response.$ref)
                : response;
            if (isObject(resolved) && isObject(resolved.schema)) {
              responseSchemas[status] =
                `#/${[section, template, method, "responses", status, "schema"].map(escapePointer).join("/")}`;
            }
          }
          this.operations.push({
            operationId: op.operationId,
            method: method.toUpperCase(),
            pathTemplate: template.split("?")[0] ?? template,
            file,
            apiVersion,
            dataPlane,
            pattern: templatePattern(template.split("?")[0] ?? template, greedy),
            specificity: template.replace(/\{[^}]+\}/g, "").length,
            ...(requestSchema === undefined ? {} : { requestSchema }),
            responseSchemas,
          });
        }
      }
    }
  }

  /** A parameter and the JSON pointer it sits at, following a `#/parameters/...` reference of the same file. */
  private parameter(doc: Json, raw: unknown, at: string[]): { p: Json; pointer: string } | undefined {
    if (!isObject(raw)) return undefined;
    if (typeof raw.$ref !== "string") return { p: raw, pointer: `#/${at.map(escapePointer).join("/")}` };
    const name = /^#\/parameters\/(.+)$/.exec(raw.$ref)?.[1];
    const params = doc.parameters;
    if (name === undefined || !isObject(params)) return undefined;
    const p = params[name];
    return isObject(p) ? { p, pointer: `#/parameters/${escapePointer(name)}` } : undefined;
  }

  private follow(file: string, ref: string): unknown {
    const [target, pointer] = ref.split("#");
    const doc =
      target === "" || target === undefined
        ? this.documents.get(file)
        : this.documents.get(new URL(target, `${base}${file}`).href.slice(base.length));
    let node: unknown = doc;
    for (const segment of (pointer ?? "").split("/").slice(1))
      node = isObject(node) ? node[segment.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
    return node;
  }

  /** The operation a request is an instance of: method and path (the most specific template). */
  operationFor(method: string, url: URL, dataPlane: boolean): OpenApiOperation | undefined {
    const path = url.pathname.replace(/\/{2,}/g, "/");
    return this.operations
      .filter((o) => o.dataPlane === dataPlane && o.method === method.toUpperCase() && o.pattern.test(path))
      .sort((a, b) => b.specificity - a.specificity)[0];
  }

  private validator(mode: Mode, file: string, pointer: string): ValidateFunction {
    const ref = `${base}${file}${pointer}`;
    const key = `${mode} ${ref}`;
    let fn = this.compiled.get(key);
    if (fn === undefined) {
      fn = this.ajv[mode].compile({ $ref: ref });
      this.compiled.set(key, fn);
    }
    return fn;
  }

  /** Validation errors of a body against a schema of an operation; empty when it conforms. */
  validate(mode: Mode, op: OpenApiOperation, pointer: string, body: unknown): string[] {
    const fn = this.validator(mode, op.file, pointer);
    if (fn(withoutNulls(body))) return [];
    return (fn.errors ?? []).map(
      (e: ErrorObject) =>
        `${e.instancePath || "(body)"} ${e.message ?? e.keyword}${e.keyword === "additionalProperties" ? "" : ""} [${e.schemaPath}]`,
    );
  }

  /** External `$ref` targets (files) that neither the material nor the stubs hold. */
  unresolvedExternalFiles(): string[] {
    const missing = new Set<string>();
    const walk = (file: string, node: unknown): void => {
      if (Array.isArray(node)) {
        for (const n of node) walk(file, n);
        return;
      }
      if (!isObject(node)) return;
      for (const [key, value] of Object.entries(node)) {
        if (key === "x-ms-examples") continue;
        if (key === "$ref" && typeof value === "string" && !value.startsWith("#")) {
          const target = new URL(value.split("#")[0] ?? "", `${base}${file}`).href.slice(base.length);
          if (
            !this.documents.has(target) &&
            !value.includes("/parameters/") &&
            !value.includes("#/parameters")
          )
            missing.add(target);
        } else walk(file, value);
      }
    };
    for (const [file, doc] of this.documents)
      walk(file, {
        definitions: doc.definitions,
        paths: doc.paths,
        "x-ms-paths": doc["x-ms-paths"],
        responses: doc.responses,
      });
    return [...missing].sort();
  }
}
