import type { TokenCredential } from "@azure/core-auth";
import type { Config } from "./config.js";
import { azureDevOpsSink } from "../adapters/tickets/azureDevOpsSink.js";
import { fileSink } from "../adapters/tickets/fileSink.js";
import { githubSink } from "../adapters/tickets/githubSink.js";
import type { TicketSink } from "../core/tickets/ticketSink.js";
import { ticketSinkOptionsFromConfig } from "./ticketSinkOptionsFromConfig.js";
import { TicketSinkConfigError, type TicketSinkOptions } from "../core/tickets/ticketSinkOptions.js";
import { webhookSink } from "../adapters/tickets/webhookSink.js";

/** What sinks need besides their settings. */
export interface TicketSinkDeps {
  /** For Azure DevOps without a PAT: Entra tokens (the managed identity). */
  credential?: TokenCredential;
  /** The clock, in milliseconds since the epoch (webhook timestamps, file records). */
  now?: () => number;
}

function fromOptions(options: TicketSinkOptions, deps: TicketSinkDeps): TicketSink {
  const now = deps.now === undefined ? {} : { now: deps.now };
  switch (options.kind) {
    case "github": {
      const { kind: _kind, ...rest } = options;
      return githubSink(rest);
    }
    case "azure-devops": {
      const { kind: _kind, pat, ...rest } = options;
      if (pat !== undefined) return azureDevOpsSink({ ...rest, auth: { pat } });
      if (deps.credential === undefined)
        throw new TicketSinkConfigError("pat", "required when no credential (managed identity) is given");
      return azureDevOpsSink({ ...rest, auth: { credential: deps.credential } });
    }
    case "webhook": {
      const { kind: _kind, ...rest } = options;
      return webhookSink({ ...rest, ...now });
    }
    case "file":
      return fileSink({ path: options.path, ...now });
  }
}

/**
 * Builds the sink the settings describe. Settings can be checked first with
 * `parseTicketSinkOptions`; a missing Azure DevOps credential throws `TicketSinkConfigError`.
 */
export function createTicketSink(options: TicketSinkOptions, deps?: TicketSinkDeps): TicketSink;
/**
 * Builds the sink `CMKR_TICKET_SINK` names from the app settings, or undefined for `none` (ticket
 * requests then stay pending in the ledger). A missing setting throws `ConfigError` naming it.
 */
export function createTicketSink(config: Config, credential?: TokenCredential): TicketSink | undefined;
export function createTicketSink(
  input: TicketSinkOptions | Config,
  extra?: TicketSinkDeps | TokenCredential,
): TicketSink | undefined {
  if ("kind" in input) return fromOptions(input, (extra ?? {}) as TicketSinkDeps);
  const credential = extra as TokenCredential | undefined;
  const options = ticketSinkOptionsFromConfig(input, credential !== undefined);
  return options === undefined
    ? undefined
    : fromOptions(options, credential === undefined ? {} : { credential });
}
