/**
 * The caller App Service authentication (EasyAuth) puts in front of the code. App Service injects
 * `X-MS-CLIENT-PRINCIPAL`, a Base64-encoded JSON `{ auth_typ, claims: [{ typ, val }], name_typ,
 * role_typ }`; external requests are not allowed to set it, so it is present only when App Service set
 * it ("Work with user identities in Azure App Service authentication",
 * https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities).
 */
export interface ClientPrincipal {
  /** Entra object id of the caller (user or service principal). */
  oid: string;
  /** Application (client) id the token was issued to (`appid` in v1 tokens, `azp` in v2). */
  appId?: string;
  /** A readable name when the token carries one. */
  name?: string;
  /** App roles granted to the caller (`roles` claims). */
  roles: readonly string[];
}

/** The header App Service authentication sets (header names are case-insensitive). */
export const clientPrincipalHeader = "x-ms-client-principal";

/** The app role that reads plans and the status of operations. */
export const readRole = "Remediation.Read";
/** The app role that applies plans and writes to resources. */
export const applyRole = "Remediation.Apply";

const oidTypes = ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"];
const appIdTypes = ["appid", "azp"];
const nameTypes = ["name", "preferred_username", "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/upn"];

interface Claim {
  typ: string;
  val: string;
}

function claims(value: unknown): Claim[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (c): c is Claim =>
      typeof c === "object" &&
      c !== null &&
      typeof (c as Claim).typ === "string" &&
      typeof (c as Claim).val === "string",
  );
}

/**
 * Decodes the header, or undefined when it is absent, not Base64 JSON, or names no object id: such a
 * caller is not authenticated. Roles are the `roles` claims and the claims of the type `role_typ` names.
 */
export function decodeClientPrincipal(header: string | null | undefined): ClientPrincipal | undefined {
  if (header === null || header === undefined || header.trim() === "") return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(header, "base64").toString("utf8"));
  } catch {
    return undefined;
  }
  if (typeof decoded !== "object" || decoded === null) return undefined;
  const body = decoded as { claims?: unknown; role_typ?: unknown };
  const list = claims(body.claims);
  const first = (types: readonly string[]): string | undefined =>
    list.find((c) => types.includes(c.typ))?.val;
  const oid = first(oidTypes);
  if (oid === undefined || oid === "") return undefined;
  const roleTypes = new Set(["roles", ...(typeof body.role_typ === "string" ? [body.role_typ] : [])]);
  const appId = first(appIdTypes);
  const name = first(nameTypes);
  return {
    oid,
    ...(appId === undefined ? {} : { appId }),
    ...(name === undefined ? {} : { name }),
    roles: [...new Set(list.filter((c) => roleTypes.has(c.typ)).map((c) => c.val))],
  };
}

/** Encodes a principal as App Service would send it (tests, and the local host's operator). */
export function encodeClientPrincipal(principal: ClientPrincipal): string {
  const claimsList: Claim[] = [
    { typ: "http://schemas.microsoft.com/identity/claims/objectidentifier", val: principal.oid },
    ...(principal.appId === undefined ? [] : [{ typ: "appid", val: principal.appId }]),
    ...(principal.name === undefined ? [] : [{ typ: "name", val: principal.name }]),
    ...principal.roles.map((role) => ({ typ: "roles", val: role })),
  ];
  return Buffer.from(
    JSON.stringify({
      auth_typ: "aad",
      claims: claimsList,
      name_typ: "name",
      role_typ: "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
    }),
  ).toString("base64");
}
