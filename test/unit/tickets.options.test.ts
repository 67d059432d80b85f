import type { TokenCredential } from "@azure/core-auth";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/runtime/config.js";
import { createTicketSink } from "../../src/runtime/createTicketSink.js";
import { ticketSinkOptionsFromConfig } from "../../src/runtime/ticketSinkOptionsFromConfig.js";
import {
  parseTicketSinkOptions,
  TicketSinkConfigError,
  type TicketSinkOptions,
} from "../../src/core/tickets/ticketSinkOptions.js";

const credential: TokenCredential = {
  getToken: () => Promise.resolve({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
};

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("ticket sink settings", () => {
  it.each([
    [
      { kind: "github", owner: "contoso", repo: "cmk.ops", token: "ghp_x", labels: ["team:platform"] },
      "github",
    ],
    [
      { kind: "azure-devops", orgUrl: "https://dev.azure.com/contoso", project: "Platform Ops", pat: "p" },
      "azure-devops",
    ],
    [{ kind: "webhook", url: "https://hooks.example/x", secret: "0123456789abcdef" }, "webhook"],
    [{ kind: "file", path: "out/tickets.jsonl" }, "file"],
  ] as const)("parses and builds %o", (input, name) => {
    const options = parseTicketSinkOptions(input);
    expect(createTicketSink(options).name).toBe(name);
  });

  it.each([
    [{ kind: "jira" }, "kind"],
    [{ kind: "github", owner: "contoso", repo: "cmk" }, "token"],
    [{ kind: "github", owner: "-bad", repo: "cmk", token: "t" }, "owner"],
    [{ kind: "azure-devops", orgUrl: "ftp://dev.azure.com/x", project: "p" }, "orgUrl"],
    [{ kind: "webhook", url: "https://hooks.example/x", secret: "short-secret" }, "secret"],
    [{ kind: "file", path: " " }, "path"],
  ])("names the field of invalid settings %o", (input, field) => {
    const error = thrown(() => parseTicketSinkOptions(input));
    expect(error).toBeInstanceOf(TicketSinkConfigError);
    expect(error).toMatchObject({ code: "TicketSinkConfigInvalid", field });
  });

  it("never echoes a secret value in a settings error", () => {
    const secret = "not-long-enough";
    const error = thrown(() => parseTicketSinkOptions({ kind: "webhook", url: "https://h.example", secret }));
    expect((error as Error).message).not.toContain(secret);
  });

  it("needs a PAT or a credential for Azure DevOps", () => {
    const options: TicketSinkOptions = {
      kind: "azure-devops",
      orgUrl: "https://dev.azure.com/c",
      project: "p",
    };
    expect(thrown(() => createTicketSink(options))).toMatchObject({
      code: "TicketSinkConfigInvalid",
      field: "pat",
    });
    expect(createTicketSink(options, { credential }).name).toBe("azure-devops");
  });

  it("reads the app settings: none is no sink, a missing variable is named", () => {
    expect(createTicketSink(loadConfig({}))).toBeUndefined();
    const error = thrown(() =>
      createTicketSink(loadConfig({ CMKR_TICKET_SINK: "github", CMKR_GITHUB_TOKEN: "t" })),
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toMatchObject({ variable: "CMKR_GITHUB_REPO" });
    expect(
      thrown(() =>
        createTicketSink(
          loadConfig({
            CMKR_TICKET_SINK: "azure-devops",
            CMKR_AZURE_DEVOPS_ORG_URL: "https://dev.azure.com/c",
            CMKR_AZURE_DEVOPS_PROJECT: "p",
          }),
        ),
      ),
    ).toMatchObject({ variable: "CMKR_AZURE_DEVOPS_PAT" });
    expect(
      ticketSinkOptionsFromConfig(
        loadConfig({
          CMKR_TICKET_SINK: "github",
          CMKR_GITHUB_REPO: "contoso/cmk",
          CMKR_GITHUB_TOKEN: "t",
          CMKR_GITHUB_API_URL: "https://ghe.example/api/v3",
        }),
        false,
      ),
    ).toEqual({
      kind: "github",
      owner: "contoso",
      repo: "cmk",
      token: "t",
      baseUrl: "https://ghe.example/api/v3",
    });
    expect(
      createTicketSink(
        loadConfig({
          CMKR_TICKET_SINK: "azure-devops",
          CMKR_AZURE_DEVOPS_ORG_URL: "https://dev.azure.com/c",
          CMKR_AZURE_DEVOPS_PROJECT: "p",
        }),
        credential,
      )?.name,
    ).toBe("azure-devops");
  });
});
