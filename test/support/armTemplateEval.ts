/**
 * Just enough of the ARM template language to turn a template's resources into the request bodies
 * ARM would send to their providers: `[parameters('x')]`, `[variables('x')]`, `resourceId(...)`,
 * `format(...)`, `concat(...)`, `split(...)`, `last(...)`, `not(...)` and `[n]` indexes, evaluated in
 * strings and in object keys (as ARM does). A function it does not know throws, so a template using
 * one cannot pass a test by accident.
 */

/** Where the template is deployed, for `resourceId()`. */
export interface DeploymentScope {
  subscriptionId: string;
  resourceGroup: string;
}

/** A JSON value of a template. */
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value };

/** A value as ARM writes it into a string: strings as they are, anything else as JSON. */
export function text(value: Value): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

class Parser {
  private at = 0;
  constructor(
    private readonly text: string,
    private readonly call: (name: string, args: Value[]) => Value,
  ) {}

  parse(): Value {
    const value = this.expression();
    this.skip();
    if (this.at !== this.text.length)
      throw new Error(`unexpected '${this.text.slice(this.at)}' in [${this.text}]`);
    return value;
  }

  private skip(): void {
    while (this.text[this.at] === " ") this.at++;
  }

  private expression(): Value {
    this.skip();
    let value: Value;
    if (this.text[this.at] === "'") {
      const end = this.text.indexOf("'", this.at + 1);
      if (end < 0) throw new Error(`unterminated string in [${this.text}]`);
      value = this.text.slice(this.at + 1, end);
      this.at = end + 1;
    } else if (/[0-9]/.test(this.text[this.at] ?? "")) {
      const match = /^\d+/.exec(this.text.slice(this.at))?.[0] ?? "";
      value = Number(match);
      this.at += match.length;
    } else {
      const name = /^[A-Za-z][A-Za-z0-9]*/.exec(this.text.slice(this.at))?.[0];
      if (name === undefined) throw new Error(`cannot read [${this.text}] at ${this.at}`);
      this.at += name.length;
      this.skip();
      if (this.text[this.at] !== "(") throw new Error(`${name} is not called in [${this.text}]`);
      this.at++;
      const args: Value[] = [];
      this.skip();
      while (this.text[this.at] !== ")") {
        args.push(this.expression());
        this.skip();
        if (this.text[this.at] === ",") this.at++;
        else if (this.text[this.at] !== ")") throw new Error(`expected ',' or ')' in [${this.text}]`);
      }
      this.at++;
      value = this.call(name, args);
    }
    this.skip();
    while (this.text[this.at] === "[" || this.text[this.at] === ".") {
      if (this.text[this.at] === ".") {
        const prop = /^\.([A-Za-z0-9]+)/.exec(this.text.slice(this.at))?.[1] ?? "";
        this.at += prop.length + 1;
        value = (value as Record<string, Value>)[prop] ?? null;
        this.skip();
        continue;
      }
      this.at++;
      const index = this.expression();
      this.skip();
      if (this.text[this.at] !== "]") throw new Error(`expected ']' in [${this.text}]`);
      this.at++;
      value = (value as Value[])[index as number] ?? null;
      this.skip();
    }
    return value;
  }
}

/** Evaluates a template's expressions against parameter values and a deployment scope. */
export class TemplateEvaluator {
  private readonly parameters: Record<string, Value>;
  private readonly variables: Record<string, Value>;

  constructor(
    template: {
      parameters?: Record<string, { defaultValue?: unknown }>;
      variables?: Record<string, unknown>;
    },
    given: Record<string, Value>,
    private readonly scope: DeploymentScope,
  ) {
    this.parameters = {};
    for (const [name, def] of Object.entries(template.parameters ?? {})) {
      const value = name in given ? given[name] : (def.defaultValue as Value | undefined);
      if (value === undefined) throw new Error(`parameter ${name} has no value`);
      this.parameters[name] = value;
    }
    this.variables = {};
    for (const [name, expr] of Object.entries(template.variables ?? {}))
      this.variables[name] = this.value(expr as Value);
  }

  private call = (name: string, args: Value[]): Value => {
    const str = (i: number) => text(args[i] ?? null);
    switch (name) {
      case "parameters":
        if (!(str(0) in this.parameters)) throw new Error(`parameters('${str(0)}') is not declared`);
        return this.parameters[str(0)] ?? null;
      case "variables":
        if (!(str(0) in this.variables)) throw new Error(`variables('${str(0)}') is not declared`);
        return this.variables[str(0)] ?? null;
      case "resourceId": {
        const [sub, rg, type, ...names] =
          args.length >= 4
            ? args.map(text)
            : [this.scope.subscriptionId, this.scope.resourceGroup, ...args.map(text)];
        return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${type}/${names.join("/")}`;
      }
      case "format":
        return str(0).replace(/\{(\d+)\}/g, (_, i: string) => text(args[Number(i) + 1] ?? null));
      case "concat":
        return args.map(text).join("");
      case "split":
        return str(0).split(str(1));
      case "last":
        return (args[0] as Value[]).at(-1) ?? null;
      case "not":
        return args[0] !== true;
      default:
        throw new Error(`the test evaluator does not know ${name}()`);
    }
  };

  /** Evaluates every expression in a JSON value (strings and object keys). */
  value(input: Value): Value {
    if (typeof input === "string") {
      if (input.startsWith("[[")) return input.slice(1);
      if (input.startsWith("[") && input.endsWith("]"))
        return new Parser(input.slice(1, -1), this.call).parse();
      return input;
    }
    if (Array.isArray(input)) return input.map((v) => this.value(v));
    if (input !== null && typeof input === "object") {
      const out: Record<string, Value> = {};
      for (const [k, v] of Object.entries(input)) out[text(this.value(k))] = this.value(v);
      return out;
    }
    return input;
  }
}

/** Template keys that are not part of the resource's request body. */
const TEMPLATE_ONLY = new Set([
  "type",
  "apiVersion",
  "name",
  "dependsOn",
  "condition",
  "scope",
  "copy",
  "comments",
  "subscriptionId",
  "resourceGroup",
]);

/** The PUT body ARM sends for a template resource (its expressions evaluated). */
export function requestBody(
  resource: Record<string, unknown>,
  evaluator: TemplateEvaluator,
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(resource)) if (!TEMPLATE_ONLY.has(k)) body[k] = v;
  return evaluator.value(body as Value) as Record<string, unknown>;
}
