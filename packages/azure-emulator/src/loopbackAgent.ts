import https from "node:https";
import { isIP } from "node:net";
import type { Duplex } from "node:stream";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

/** Where the loopback agent sends every connection. */
export interface LoopbackAgentOptions {
  /** Port of the emulator's HTTPS server on 127.0.0.1. */
  readonly port: number;
  /** The emulator's CA certificate (PEM); the only certificate authority the agent trusts. */
  readonly ca: string;
  /** Reuse connections between requests, as the SDK's own agent does. Default true. */
  readonly keepAlive?: boolean;
}

/**
 * An HTTPS agent that connects every request to the emulator on 127.0.0.1, whatever host the URL
 * names, while keeping that host for SNI, the `Host` header and certificate verification. An SDK
 * client can therefore keep the real Azure URLs (`https://management.azure.com`,
 * `https://kv-cmk.vault.azure.net`) — Key Vault's challenge handshake depends on the vault host —
 * and still never leave the machine.
 */
class LoopbackAgent extends https.Agent {
  constructor(
    private readonly loopbackPort: number,
    ca: string,
    keepAlive: boolean,
  ) {
    super({ ca, keepAlive, rejectUnauthorized: true });
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const target = options.hostname ?? options.host ?? "localhost";
    const hostname = target.replace(/^\[(.*)\]$/, "$1");
    // An IP literal cannot be an SNI name; verification then falls back to the connected address.
    const servername = isIP(hostname) === 0 ? hostname : "";
    return super.createConnection(
      { ...options, host: "127.0.0.1", hostname: "127.0.0.1", port: this.loopbackPort, servername },
      callback,
    );
  }
}

/** Creates an agent that sends every HTTPS connection to the emulator on `127.0.0.1:port`. */
export function createLoopbackAgent(options: LoopbackAgentOptions): https.Agent {
  return new LoopbackAgent(options.port, options.ca, options.keepAlive ?? true);
}

/** Name of the policy returned by {@link loopbackPolicy}. */
export const loopbackPolicyName = "emulatorLoopbackPolicy";

/**
 * A pipeline policy that makes the SDK's Node HTTP client use `agent` for every request (it honours
 * `request.agent`, and the proxy policy leaves a request that already has one alone). Add it with
 * the client option `additionalPolicies: [{ policy: loopbackPolicy(agent), position: "perCall" }]`.
 */
export function loopbackPolicy(agent: https.Agent): PipelinePolicy {
  return {
    name: loopbackPolicyName,
    sendRequest(request, next) {
      request.agent = agent;
      return next(request);
    },
  };
}
