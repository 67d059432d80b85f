import { keyVaultDomainOf } from "../ids/keyVaultHost.js";
import { keyVaultError } from "../armError.js";
import type { EmulatorResponse, Principal } from "../emulatorTypes.js";

/** The application id of Azure Key Vault, which Entra also accepts as a token audience. */
const keyVaultAppId = "cfa8b339-82a2-471a-a3c9-0fc0be7a4093";

/** What a vault host expects of a caller's token. */
export interface VaultChallenge {
  /** The token audience, e.g. `https://vault.azure.net`; also the challenge's `resource`. */
  readonly resource: string;
  /** The `WWW-Authenticate` value Key Vault sends with every 401. */
  readonly header: string;
}

function loginHost(domain: string): string {
  if (domain.endsWith(".azure.cn")) return "login.chinacloudapi.cn";
  if (domain.endsWith(".usgovcloudapi.net")) return "login.microsoftonline.us";
  return "login.microsoftonline.com";
}

/**
 * The challenge of the vault at `host`. The resource is the host's vault domain (`vault.azure.net`,
 * `managedhsm.azure.net`, another cloud's), because KeyClient refuses a challenge whose resource is
 * not a parent domain of the vault host; an unknown domain falls back to the host minus its first label.
 */
export function vaultChallenge(host: string, tenantId: string): VaultChallenge {
  const hostname = host.toLowerCase().replace(/:\d+$/, "");
  const domain = keyVaultDomainOf(hostname) ?? hostname.slice(hostname.indexOf(".") + 1);
  const resource = `https://${domain}`;
  return {
    resource,
    header: `Bearer authorization="https://${loginHost(domain)}/${tenantId}", resource="${resource}"`,
  };
}

function unauthorized(challenge: VaultChallenge, message: string): EmulatorResponse {
  return keyVaultError(401, "Unauthorized", message, { "www-authenticate": challenge.header });
}

/**
 * Key Vault's authentication step: undefined when the request may proceed, else the 401 with the
 * challenge. A request without a bearer token is the first half of KeyClient's handshake; a token
 * for another audience (say ARM's) or another tenant is refused the same way, as Key Vault does.
 * Signatures are not checked (emulator tokens are unsigned).
 */
export function authenticate(
  authorization: string | undefined,
  principal: Principal,
  challenge: VaultChallenge,
  tenantId: string,
): EmulatorResponse | undefined {
  if (authorization === undefined || !/^Bearer\s+\S+$/i.test(authorization.trim())) {
    // Worded as Key Vault answered @azure/keyvault-keys 4.10 (api-version 2025-07-01, recorded).
    return unauthorized(challenge, "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token.");
  }
  const audience = principal.audience?.replace(/\/+$/, "").toLowerCase();
  if (audience !== undefined && audience !== challenge.resource && audience !== keyVaultAppId) {
    return unauthorized(
      challenge,
      `AKV10022: Invalid audience. Expected ${challenge.resource}, found: ${principal.audience ?? ""}.`,
    );
  }
  const tokenTenant = principal.tenantId;
  if (tokenTenant !== undefined && tokenTenant.toLowerCase() !== tenantId.toLowerCase()) {
    return unauthorized(
      challenge,
      `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${tenantId}/, found https://sts.windows.net/${tokenTenant}/.`,
    );
  }
  return undefined;
}
