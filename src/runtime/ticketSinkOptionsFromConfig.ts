import { ConfigError, type Config } from "./config.js";
import type { TicketSinkOptions } from "../core/tickets/ticketSinkOptions.js";

function required<K extends keyof Config>(config: Config, name: K): NonNullable<Config[K]> {
  const value = config[name];
  if (value === undefined)
    throw new ConfigError(name, `required by CMKR_TICKET_SINK=${config.CMKR_TICKET_SINK}`);
  return value;
}

/**
 * The sink settings in the app settings (`CMKR_TICKET_SINK` and the variables of that sink), or
 * undefined for `none`. A missing variable throws `ConfigError` naming it; `hasCredential` says
 * whether Azure DevOps can do without a PAT.
 */
export function ticketSinkOptionsFromConfig(
  config: Config,
  hasCredential: boolean,
): TicketSinkOptions | undefined {
  switch (config.CMKR_TICKET_SINK) {
    case "none":
      return undefined;
    case "github": {
      const [owner = "", repo = ""] = required(config, "CMKR_GITHUB_REPO").split("/");
      return {
        kind: "github",
        owner,
        repo,
        token: required(config, "CMKR_GITHUB_TOKEN"),
        ...(config.CMKR_GITHUB_API_URL === undefined ? {} : { baseUrl: config.CMKR_GITHUB_API_URL }),
      };
    }
    case "azure-devops": {
      const pat = config.CMKR_AZURE_DEVOPS_PAT;
      if (pat === undefined && !hasCredential)
        throw new ConfigError("CMKR_AZURE_DEVOPS_PAT", "required without a managed identity");
      return {
        kind: "azure-devops",
        orgUrl: required(config, "CMKR_AZURE_DEVOPS_ORG_URL"),
        project: required(config, "CMKR_AZURE_DEVOPS_PROJECT"),
        ...(pat === undefined ? {} : { pat }),
      };
    }
    case "webhook":
      return {
        kind: "webhook",
        url: required(config, "CMKR_WEBHOOK_URL"),
        ...(config.CMKR_WEBHOOK_SECRET === undefined ? {} : { secret: config.CMKR_WEBHOOK_SECRET }),
      };
    case "file":
      return { kind: "file", path: required(config, "CMKR_TICKET_FILE") };
  }
}
