import { describe, expect, it } from "vitest";
import { KqlError, runKql, type KqlColumn, type KqlTable } from "../../src/resourceGraph/kql/runKql.js";

const columns: KqlColumn[] = [
  { name: "id", type: "string" },
  { name: "name", type: "string" },
  { name: "type", type: "string" },
  { name: "properties", type: "dynamic" },
  { name: "tags", type: "dynamic" },
];
const rows = [{ id: "/subscriptions/s/x", name: "a", type: "t", properties: { size: 1 }, tags: null }];
const tables: ReadonlyMap<string, KqlTable> = new Map([
  ["resources", { columns, rows }],
  ["resourcecontainers", { columns, rows: [] }],
]);

function kqlError(query: string): KqlError {
  try {
    runKql(query, tables);
  } catch (error) {
    if (error instanceof KqlError) return error;
    throw error;
  }
  throw new Error(`no error for: ${query}`);
}

describe("KQL outside the subset", () => {
  it.each([
    ["resources | summarize count() by type", "operator 'summarize'", 13],
    ["resources | join (resources) on id", "operator 'join'", 13],
    ["resources | mv-expand tags", "operator 'mv-expand'", 13],
    ["resources | distinct type", "operator 'distinct'", 13],
    ["resources | top 5 by name", "operator 'top'", 13],
    ["resources | union resourcecontainers", "operator 'union'", 13],
    ["resources | project-rename n = name", "operator 'project-rename'", 13],
    ["let x = 1; resources", "'let' statement", 1],
    ["union resources, resourcecontainers", "'union'", 1],
    ["resources | where name matches regex 'a.*'", "operator 'matches regex'", 24],
    ["resources | where name has_any ('a')", "operator 'has_any'", 24],
    ["resources | where name contains_cs 'a'", "operator 'contains_cs'", 24],
    ["resources | where name !has_cs 'a'", "operator '!has_cs'", 24],
    ["resources | where name between ('a' .. 'b')", "operator 'between'", 24],
    ["resources | where parse_json(tags) == 1", "function 'parse_json()'", 19],
    ["resources | extend d = dynamic(null)", "function 'dynamic()'", 24],
    ["resources | where iff(true, 1, 2) == 1", "function 'iff()'", 19],
    ["resources | extend n = 1 + 1", "arithmetic operator '+'", 26],
    ["authorizationresources | take 1", "table 'authorizationresources'", 1],
    ["resources | where properties.size > 1d", "literal '1d'", 37],
    ["resources | project tolower(name)", "unnamed computed column in project", 21],
    ["resources | project tags['cost-center']", "unnamed column for a path", 21],
    ["resources | project-away prop*", "wildcard 'prop*'", 26],
    ["resources | where * has 'x'", "'*' (all columns)", 19],
    ["resources; resources", "multiple statements (';')", 10],
    ["resources | where name == null", "null literal", 27],
    ["resources | where tags[tostring(1)] == 'x'", "computed index", 24],
    ["resources | where name == ```x```", "multi-line string literal", 27],
  ])("%s is unsupported, naming %s", (query, construct, column) => {
    const error = kqlError(query);
    expect(error.code).toBe("UnsupportedKqlConstruct");
    expect(error.construct).toContain(construct);
    expect(error.message).toContain(construct);
    expect(error.column).toBe(column);
    expect(error.message).toContain(`line 1, column ${column}`);
  });

  it("reports line and column in multi-line queries", () => {
    const error = kqlError("resources\n| where name == 'a'\n| summarize count()");
    expect(error).toMatchObject({ construct: "operator 'summarize'", line: 3, column: 3, offset: 32 });
    expect(error.message).toBe(
      "Unsupported KQL construct operator 'summarize' at line 3, column 3: supported operators: where, project, project-away, extend, order, sort, take, limit",
    );
  });
});

describe("invalid KQL", () => {
  it.each([
    ["resources | where", "unexpected end of query"],
    ["resources | where name == 'x", "unterminated string literal"],
    ["resources | where name == 'x\\q'", "escape sequence '\\q'"],
    ["resources | take x", "take 'x'"],
    ["resources | take 1.5", "take '1.5'"],
    ["resources | Where name == 'x'", "unknown operator 'Where'"],
    ["resources | frobnicate", "unknown operator 'frobnicate'"],
    ["resources | where ToLower(name) == 'x'", "unknown function 'ToLower()'"],
    ["resources | where tolower(name, 1) == 'a'", "tolower() with 2 arguments"],
    ["resources | where nmae == 'x'", "unknown column 'nmae'"],
    ["resources | where Name == 'x'", "unknown column 'Name'"],
    ["resources | where name", "where predicate of type string"],
    ["resources | where name == 1", "'==' between string and long"],
    ["resources | where name in ('a', 1)", "'in' between string and long"],
    ["resources | where not(name)", "not() argument of type string"],
    ["resources | where not name", "'not' without parentheses"],
    ["resources | order by properties", "sort key of type dynamic"],
    ["resources | order name", "unexpected 'name'"],
    ["resources | order by name nulls middle", "nulls middle"],
    ["resources | project name, name", "duplicate column 'name'"],
    ["resources | project id | where name == 'x'", "unknown column 'name'"],
    ["resources | project-away nope", "unknown column 'nope'"],
    ["resources | where name.first == 'x'", "property access on 'name'"],
    ["where name == 'x'", "query starting with operator 'where'"],
    ["resources | where name == 'a' extra", "unexpected 'extra'"],
    ["resources | where name in ()", "empty 'in' list"],
    ["resources | where name == 'a' # x", "character '#'"],
    ["resources | where name == 'a' == 'b'", "unexpected '=='"],
    ["resources | where (name == 'a'", "unexpected end of query"],
    ["resources |", "unexpected end of query"],
    ["", "unexpected end of query"],
  ])("%s is invalid: %s", (query, construct) => {
    const error = kqlError(query);
    expect(error.code).toBe("InvalidKql");
    expect(error.construct).toBe(construct);
    expect(error.message).toContain(construct);
  });

  it("hints at the right case for columns, operators and functions", () => {
    expect(kqlError("resources | where Name == 'x'").message).toContain("did you mean 'name'?");
    expect(kqlError("resources | Where name == 'x'").message).toContain("did you mean 'where'?");
    expect(kqlError("resources | where ToLower(name) == 'x'").message).toContain("did you mean 'tolower()'?");
  });

  it("checks columns even when the table is empty", () => {
    expect(() => runKql("resourcecontainers | where nope == 'x'", tables)).toThrow(KqlError);
  });
});
