import type { TokenCredential } from "@azure/core-auth";
import { ConfigError, type Config } from "../config.js";
import { azureDevOpsSink } from "./azureDevOpsSink.js";
import { fileSink } from "./fileSink.js";
import { githubSink } from "./githubSink.js";
import type { TicketSink } from "./ticketSink.js";
import { webhookSink } from "./webhookSink.js";

function required<K extends keyof Config>(config: Config, name: K, sink: string): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined) throw new ConfigError(name, `required by CMKR_TICKET_SINK=${sink}`);
  return value;
}

/** The configured ticket sink, or undefined for `none` (requests stay pending in the ledger). */
export function createTicketSink(config: Config, credential?: TokenCredential): TicketSink | undefined {
  const sink = config.CMKR_TICKET_SINK;
  switch (sink) {
    case "none":
      return undefined;
    case "github": {
      const [owner = "", repo = ""] = required(config, "CMKR_GITHUB_REPO", sink).split("/");
      return githubSink({
        owner,
        repo,
        token: required(config, "CMKR_GITHUB_TOKEN", sink),
        ...(config.CMKR_GITHUB_API_URL === undefined ? {} : { baseUrl: config.CMKR_GITHUB_API_URL }),
      });
    }
    case "azure-devops": {
      const pat = config.CMKR_AZURE_DEVOPS_PAT;
      if (pat === undefined && credential === undefined)
        throw new ConfigError("CMKR_AZURE_DEVOPS_PAT", "required without a managed identity");
      return azureDevOpsSink({
        orgUrl: required(config, "CMKR_AZURE_DEVOPS_ORG_URL", sink),
        project: required(config, "CMKR_AZURE_DEVOPS_PROJECT", sink),
        auth: pat !== undefined ? { pat } : { credential: credential as TokenCredential },
      });
    }
    case "webhook":
      return webhookSink({
        url: required(config, "CMKR_WEBHOOK_URL", sink),
        ...(config.CMKR_WEBHOOK_SECRET === undefined ? {} : { secret: config.CMKR_WEBHOOK_SECRET }),
      });
    case "file":
      return fileSink(required(config, "CMKR_TICKET_FILE", sink));
  }
}
