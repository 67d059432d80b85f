import { createPipelineRequest, RestError } from "@azure/core-rest-pipeline";
import type { ArmResourceJson } from "../../core/arm/armResource.js";
import type {
  ChildList,
  RoleAssignmentRow,
} from "../../core/consumers/mlWorkspace/recreation/mlRecreationFacts.js";
import { parseResourceId } from "../../core/ids/resourceId.js";
import type { Listing, MlWorkspacePort } from "../../core/ports/mlWorkspacePort.js";
import type { AzureClients } from "./azureClients.js";

const safeCollection = /^[A-Za-z0-9]+(\/[A-Za-z0-9._~-]+\/[A-Za-z0-9]+)*$/;

function deniedMessage(error: RestError): string {
  return `${error.code ?? "Forbidden"} (HTTP ${error.statusCode ?? 403})`;
}

/** An ARM list page, `{value, nextLink}`; anything else is a protocol error. */
function parsePage(text: string | undefined, url: string): { value: ArmResourceJson[]; nextLink?: string } {
  const body = JSON.parse(text ?? "{}") as { value?: unknown; nextLink?: unknown };
  if (!Array.isArray(body.value)) throw new Error(`GET ${url}: the answer has no "value" list`);
  return {
    value: body.value as ArmResourceJson[],
    ...(typeof body.nextLink === "string" && body.nextLink !== "" ? { nextLink: body.nextLink } : {}),
  };
}

/**
 * {@link MlWorkspacePort} over the SDK clients. Child collections of a workspace have no client of
 * their own in the SDKs the service ships, so they are listed through the generic resources
 * client's pipeline (its credential, retries and transport) as plain ARM GETs, following `nextLink`
 * only on the ARM endpoint (a token is never sent elsewhere).
 */
export function createMlWorkspaceReads(clients: AzureClients): MlWorkspacePort {
  return {
    async listChildResources(parentId, collection, apiVersion, limit): Promise<ChildList> {
      if (!safeCollection.test(collection)) throw new Error(`not a child collection path: ${collection}`);
      const parsed = parseResourceId(parentId);
      const client = await clients.resources(parsed.subscriptionId);
      const host = new URL(client.$host);
      let url: string | undefined =
        `${client.$host.replace(/\/+$/, "")}${parsed.id}/${collection}?api-version=${encodeURIComponent(apiVersion)}`;
      const items: ArmResourceJson[] = [];
      while (url !== undefined) {
        const next = new URL(url);
        if (next.host.toLowerCase() !== host.host.toLowerCase()) {
          throw new Error(`GET ${parsed.id}/${collection}: nextLink leaves the ARM endpoint (${next.host})`);
        }
        const response = await client.sendRequest(createPipelineRequest({ url, method: "GET" }));
        if (response.status === 404) return { status: "notFound" };
        if (response.status === 403 || response.status === 401) {
          let code = "Forbidden";
          try {
            code =
              (JSON.parse(response.bodyAsText ?? "{}") as { error?: { code?: string } }).error?.code ?? code;
          } catch {
            // The status says enough.
          }
          return { status: "denied", message: `${code} (HTTP ${response.status})` };
        }
        if (response.status < 200 || response.status >= 300) {
          throw new RestError(`GET ${parsed.id}/${collection} answered ${response.status}`, {
            statusCode: response.status,
            request: response.request,
            response,
          });
        }
        const page = parsePage(response.bodyAsText ?? undefined, url);
        for (const item of page.value) {
          if (items.length >= limit) return { status: "ok", items, truncated: true };
          items.push(item);
        }
        url = page.nextLink;
      }
      return { status: "ok", items };
    },

    async listRoleAssignmentsForScope(scope): Promise<Listing<RoleAssignmentRow>> {
      const client = await clients.authorization(parseResourceId(scope).subscriptionId);
      const items: RoleAssignmentRow[] = [];
      try {
        for await (const a of client.roleAssignments.listForScope(scope)) {
          if (a.id === undefined || a.principalId === undefined || a.roleDefinitionId === undefined) continue;
          items.push({
            id: a.id,
            scope:
              a.scope ?? a.id.replace(/\/providers\/Microsoft\.Authorization\/roleAssignments\/[^/]+$/i, ""),
            principalId: a.principalId,
            ...(a.principalType === undefined ? {} : { principalType: a.principalType }),
            roleDefinitionId: a.roleDefinitionId,
          });
        }
      } catch (error) {
        if (error instanceof RestError && error.statusCode === 403)
          return { status: "denied", message: deniedMessage(error) };
        throw error;
      }
      return { status: "ok", items };
    },

    async listKeyNames(vaultUrl, limit): Promise<Listing<string>> {
      const client = await clients.keys(vaultUrl);
      const names: string[] = [];
      try {
        for await (const p of client.listPropertiesOfKeys()) {
          if (p.managed === true) continue; // keys backing certificates are not for encryption at rest
          names.push(p.name);
          if (names.length >= limit) break;
        }
      } catch (error) {
        if (error instanceof RestError && error.statusCode === 403)
          return { status: "denied", message: deniedMessage(error) };
        if (error instanceof RestError && error.statusCode === 404) return { status: "notFound" };
        throw error;
      }
      return { status: "ok", items: names };
    },
  };
}
