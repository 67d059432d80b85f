import { BlobServiceClient, ContainerClient } from "@azure/storage-blob";
import { createProductionCredential } from "../azure/productionCredential.js";
import { DeadLetterSourceError, type DeadLetterSourceErrorCode } from "./deadLetterSourceError.js";

function usage(message: string, code: DeadLetterSourceErrorCode): DeadLetterSourceError {
  return new DeadLetterSourceError(code, message, "usage");
}

/** Where `cmkr replay --dead-letter` reads: a container and a folder in it. */
export interface DeadLetterContainer {
  readonly client: ContainerClient;
  /** Folder inside the container (`TOPIC/SUBSCRIPTION/...`), `""` for the whole container, else ending in `/`. */
  readonly prefix: string;
  /** The location for messages: never a query string (SAS) nor a connection string. */
  readonly label: string;
}

/** The environment variable holding a storage connection string (Azurite, local runs). */
export const connectionStringVariable = "AZURE_STORAGE_CONNECTION_STRING";

// Azurite and other emulators put the account name in the path (as the SDK's own check does).
function isPathStyle(url: URL): boolean {
  return (
    /^\[.*\]$|^localhost$|^host\.docker\.internal$|^\d{1,3}(\.\d{1,3}){3}$/.test(url.hostname) ||
    ["10000", "10001", "10002"].includes(url.port)
  );
}

function folder(segments: readonly string[]): string {
  const path = segments.filter((s) => s !== "").join("/");
  return path === "" ? "" : `${path}/`;
}

function fromUrl(url: URL): Promise<DeadLetterContainer> | DeadLetterContainer {
  const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback)) {
    throw usage(
      `--dead-letter must use https (plain http only for loopback): ${url.origin}`,
      "DeadLetterInsecure",
    );
  }
  let segments: string[];
  try {
    segments = url.pathname
      .split("/")
      .filter((s) => s !== "")
      .map((s) => decodeURIComponent(s));
  } catch {
    throw usage(
      `--dead-letter ${url.origin}${url.pathname}: malformed %-escape in the path`,
      "DeadLetterLocationInvalid",
    );
  }
  const account = isPathStyle(url) ? segments.shift() : undefined;
  const container = segments.shift();
  if (container === undefined || (isPathStyle(url) && account === undefined)) {
    throw usage(
      `--dead-letter ${url.origin}${url.pathname}: expected a container URL, e.g. https://{account}.blob.core.windows.net/{container}[/{folder}]`,
      "DeadLetterLocationInvalid",
    );
  }
  const base = `${url.origin}${account === undefined ? "" : `/${account}`}/${encodeURIComponent(container)}`;
  const prefix = folder(segments);
  const label = `${base}/${prefix}`;
  // A SAS in the query authorizes by itself; otherwise the caller's Azure sign-in does.
  if (url.search !== "") return { client: new ContainerClient(`${base}${url.search}`), prefix, label };
  return createProductionCredential().then((credential) => ({
    client: new ContainerClient(base, credential),
    prefix,
    label,
  }));
}

/**
 * Resolves `--dead-letter LOCATION`: a container URL (`https://{account}.blob.core.windows.net/{container}[/{folder}]`,
 * authorized by a SAS in the URL or else by `DefaultAzureCredential`), or `{container}[/{folder}]` on the
 * account of the connection string in {@link connectionStringVariable} (Azurite, local runs). Neither the
 * SAS nor the connection string ever appears in a message.
 */
export async function openDeadLetterContainer(
  location: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<DeadLetterContainer> {
  if (/^https?:\/\//i.test(location)) {
    let url: URL;
    try {
      url = new URL(location);
    } catch {
      throw usage("--dead-letter is not a valid URL", "DeadLetterLocationInvalid");
    }
    return await fromUrl(url);
  }
  const connectionString = env[connectionStringVariable];
  if (connectionString === undefined || connectionString === "") {
    throw usage(
      `--dead-letter ${location}: give a container URL (https://{account}.blob.core.windows.net/{container}), or set ${connectionStringVariable} to name the account`,
      "DeadLetterAccountMissing",
    );
  }
  const [container, ...rest] = location.split("/").filter((s) => s !== "");
  if (container === undefined) {
    throw usage("--dead-letter: expected {container}[/{folder}]", "DeadLetterLocationInvalid");
  }
  let client: ContainerClient;
  try {
    client = BlobServiceClient.fromConnectionString(connectionString).getContainerClient(container);
  } catch {
    throw usage(
      `${connectionStringVariable} is not a storage connection string`,
      "DeadLetterConnectionStringInvalid",
    );
  }
  const prefix = folder(rest);
  // A connection string holding a SAS puts it in the client's URL: leave it out of the label.
  const url = new URL(client.url);
  return { client, prefix, label: `${url.origin}${url.pathname}/${prefix}` };
}
