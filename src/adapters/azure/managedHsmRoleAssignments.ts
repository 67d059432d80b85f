import {
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  RestError,
  type Pipeline,
} from "@azure/core-rest-pipeline";
import { keyVaultAuthenticationPolicy } from "@azure/keyvault-common";
import { HsmRoleAssignmentsUnreadableError } from "../../core/keyStores/hsmRoleAssignmentsUnreadableError.js";
import type { RoleAssignmentFacts } from "../../core/keyStores/keyFacts.js";
import { hsmKeyScope } from "../../core/keyStores/managedHsmRoles.js";
import { roleAssignmentFactsFromArm } from "../../core/keyStores/roleAssignmentFactsFromArm.js";
import type { AzureClientOptions } from "./azureClients.js";

/**
 * The Managed HSM data-plane api-version of `RoleAssignments_ListForScope` (azure-rest-api-specs
 * `specification/keyvault/data-plane/Microsoft.KeyVault/stable/7.6/rbac.json`, vendored under
 * test/conformance/material).
 */
const rbacApiVersion = "7.6";

/** Reads a Managed HSM pool's local RBAC role assignments. */
export interface ManagedHsmRoleAssignmentReader {
  /**
   * Every assignment that can apply to key `keyName`: those listed at `/`, `/keys` and
   * `/keys/{name}`, without duplicates.
   * @throws {@link HsmRoleAssignmentsUnreadableError} on HTTP 403; a `RestError` on other failures.
   */
  forKey(hsmUrl: string, keyName: string): Promise<RoleAssignmentFacts[]>;
}

interface ListPage {
  value?: unknown[];
  nextLink?: string | null;
}

function errorDetail(body: string | undefined): string {
  try {
    const parsed = JSON.parse(body ?? "") as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === "string" ? parsed.error.code : "Forbidden";
    const message = typeof parsed.error?.message === "string" ? parsed.error.message : "";
    return message === "" ? code : `${code}: ${message}`;
  } catch {
    return "Forbidden";
  }
}

/**
 * The local RBAC listing as the documented REST call (`GET {hsm}/{scope}/providers/Microsoft.Authorization/roleAssignments`)
 * through the same pipeline pieces KeyClient uses: core-rest-pipeline with its retry and user-agent
 * options, and the Key Vault challenge authentication policy of @azure/keyvault-common (the first
 * request goes without a token; the 401 challenge names the tenant and the `managedhsm` resource).
 * `@azure/keyvault-admin`'s `KeyVaultAccessControlClient` makes the same call; it is not used
 * because the package registry this project installs from does not carry it.
 */
export function createManagedHsmRoleAssignmentReader(
  options: AzureClientOptions,
): ManagedHsmRoleAssignmentReader {
  const httpClient = options.httpClient ?? createDefaultHttpClient();
  const pipelines = new Map<string, Pipeline>();
  const pipelineFor = (host: string): Pipeline => {
    let pipeline = pipelines.get(host);
    if (pipeline === undefined) {
      pipeline = createPipelineFromOptions({
        retryOptions: {
          maxRetries: options.maxRetries ?? 3,
          ...(options.maxRetryDelayInMs === undefined
            ? {}
            : { maxRetryDelayInMs: options.maxRetryDelayInMs }),
        },
        userAgentOptions: { userAgentPrefix: "cmk-remediation" },
      });
      pipeline.addPolicy(keyVaultAuthenticationPolicy(options.credential), { phase: "Sign" });
      for (const extra of options.additionalPolicies ?? [])
        pipeline.addPolicy(extra.policy, extra.position === "perRetry" ? { afterPhase: "Retry" } : {});
      pipelines.set(host, pipeline);
    }
    return pipeline;
  };

  async function listAt(hsmUrl: string, scope: string): Promise<RoleAssignmentFacts[]> {
    const base = new URL(hsmUrl);
    const pipeline = pipelineFor(base.host.toLowerCase());
    // As KeyVaultAccessControlClient builds it: the path template `/{scope}/providers/...` with the
    // scope unencoded (rbac.json `x-ms-skip-url-encoding`), so scope `/` gives `//providers/...`
    // (the @azure/keyvault-admin recordings against Managed HSM show that path).
    let url: string | undefined =
      `${base.origin}/${scope}/providers/Microsoft.Authorization/roleAssignments?api-version=${rbacApiVersion}`;
    const out: RoleAssignmentFacts[] = [];
    while (url !== undefined) {
      const request = createPipelineRequest({ url, method: "GET" });
      const response = await pipeline.sendRequest(httpClient, request);
      if (response.status === 403)
        throw new HsmRoleAssignmentsUnreadableError(
          base.origin,
          errorDetail(response.bodyAsText ?? undefined),
        );
      if (response.status < 200 || response.status >= 300) {
        throw new RestError(
          `listing the local RBAC role assignments of ${base.origin} at ${scope} failed: ${errorDetail(response.bodyAsText ?? undefined)}`,
          { statusCode: response.status, request, response },
        );
      }
      const page = JSON.parse(response.bodyAsText ?? "{}") as ListPage;
      for (const item of page.value ?? []) out.push(roleAssignmentFactsFromArm(item));
      url = typeof page.nextLink === "string" && page.nextLink !== "" ? page.nextLink : undefined;
    }
    return out;
  }

  return {
    async forKey(hsmUrl: string, keyName: string): Promise<RoleAssignmentFacts[]> {
      const lists = await Promise.all(["/", "/keys", hsmKeyScope(keyName)].map((s) => listAt(hsmUrl, s)));
      const seen = new Set<string>();
      const out: RoleAssignmentFacts[] = [];
      for (const a of lists.flat()) {
        const id = `${a.scope}|${a.principalId}|${a.roleDefinitionId}`.toLowerCase();
        if (seen.has(id)) continue;
        seen.add(id);
        out.push(a);
      }
      return out;
    },
  };
}
