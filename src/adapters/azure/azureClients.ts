import type { AuthorizationManagementClient } from "@azure/arm-authorization";
import type { CognitiveServicesManagementClient } from "@azure/arm-cognitiveservices";
import type { ComputeManagementClient } from "@azure/arm-compute";
import type { KeyVaultManagementClient } from "@azure/arm-keyvault";
import type { ResourceGraphClient } from "@azure/arm-resourcegraph";
import type { ResourceManagementClient } from "@azure/arm-resources";
import type { TokenCredential } from "@azure/core-auth";
import type { HttpClient, PipelinePolicy } from "@azure/core-rest-pipeline";
import type { KeyClient } from "@azure/keyvault-keys";
import { createArmPacer, type ArmPacer } from "./armPacer.js";

/** A policy added to every client's pipeline (the SDKs' `additionalPolicies` option). */
export interface AdditionalPolicy {
  policy: PipelinePolicy;
  position: "perCall" | "perRetry";
}

/** How the SDK clients reach Azure (or the emulator). */
export interface AzureClientOptions {
  credential: TokenCredential;
  /** Replaces the socket layer; the emulator's in-process client in tests and local runs. */
  httpClient?: HttpClient;
  /** ARM endpoint; default https://management.azure.com. */
  endpoint?: string;
  /** Extra pipeline policies (e.g. the loopback agent for the emulator's HTTPS server). */
  additionalPolicies?: AdditionalPolicy[];
  /** Retries of the SDK's default retry policy (429/503 honour Retry-After). Default 3. */
  maxRetries?: number;
  /** Upper bound of the SDK's exponential back-off, in ms. Default 64 s (SDK default). */
  maxRetryDelayInMs?: number;
  /**
   * Paces ARM requests inside each subscription's token buckets (see {@link createArmPacer});
   * default one pacer with ARM's limits for all the ARM clients of this factory; `false` turns it off.
   */
  armPacer?: ArmPacer | false;
}

/**
 * The only place SDK clients are constructed. Each getter loads its SDK on first use, so a
 * function that only needs Key Vault does not pay for loading Compute at cold start, and
 * memoises one client per subscription or vault.
 */
export interface AzureClients {
  readonly options: Readonly<AzureClientOptions>;
  compute(subscriptionId: string): Promise<ComputeManagementClient>;
  cognitiveServices(subscriptionId: string): Promise<CognitiveServicesManagementClient>;
  keyVaultManagement(subscriptionId: string): Promise<KeyVaultManagementClient>;
  /** Generic ARM client; used for Machine Learning workspaces with an explicit api-version. */
  resources(subscriptionId: string): Promise<ResourceManagementClient>;
  authorization(subscriptionId: string): Promise<AuthorizationManagementClient>;
  resourceGraph(): Promise<ResourceGraphClient>;
  /** A data-plane client for one vault, e.g. `https://kv-cmk.vault.azure.net`. */
  keys(vaultUrl: string): Promise<KeyClient>;
}

const userAgentPrefix = "cmk-remediation";

function memo<T>(make: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key) => {
    const id = key.toLowerCase();
    let client = cache.get(id);
    if (client === undefined) {
      client = make(key);
      cache.set(id, client);
      // A failed load must not be cached forever.
      client.catch(() => cache.delete(id));
    }
    return client;
  };
}

/** Builds the client factory from a credential and optional transport. */
export function createAzureClients(options: AzureClientOptions): AzureClients {
  const common = {
    ...(options.httpClient === undefined ? {} : { httpClient: options.httpClient }),
    ...(options.additionalPolicies === undefined ? {} : { additionalPolicies: options.additionalPolicies }),
    userAgentOptions: { userAgentPrefix },
    retryOptions: {
      maxRetries: options.maxRetries ?? 3,
      ...(options.maxRetryDelayInMs === undefined ? {} : { maxRetryDelayInMs: options.maxRetryDelayInMs }),
    },
  };
  const pacer = options.armPacer === false ? undefined : (options.armPacer ?? createArmPacer());
  const arm = {
    ...common,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    additionalPolicies: [
      ...(options.additionalPolicies ?? []),
      ...(pacer === undefined ? [] : [{ policy: pacer.policy, position: "perRetry" as const }]),
    ],
  };
  const { credential } = options;
  const graph = memo(async () => {
    const { ResourceGraphClient } = await import("@azure/arm-resourcegraph");
    return new ResourceGraphClient(credential, arm);
  });
  return {
    options,
    compute: memo(
      async (sub) => new (await import("@azure/arm-compute")).ComputeManagementClient(credential, sub, arm),
    ),
    cognitiveServices: memo(
      async (sub) =>
        new (await import("@azure/arm-cognitiveservices")).CognitiveServicesManagementClient(
          credential,
          sub,
          arm,
        ),
    ),
    keyVaultManagement: memo(
      async (sub) => new (await import("@azure/arm-keyvault")).KeyVaultManagementClient(credential, sub, arm),
    ),
    resources: memo(
      async (sub) =>
        new (await import("@azure/arm-resources")).ResourceManagementClient(credential, sub, arm),
    ),
    authorization: memo(
      async (sub) =>
        new (await import("@azure/arm-authorization")).AuthorizationManagementClient(credential, sub, arm),
    ),
    resourceGraph: () => graph("graph"),
    keys: memo(
      async (vaultUrl) => new (await import("@azure/keyvault-keys")).KeyClient(vaultUrl, credential, common),
    ),
  };
}
