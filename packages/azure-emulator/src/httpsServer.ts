import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import https from "node:https";
import { isIP, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { armError } from "./armError.js";
import { createEmulatorCertificates } from "./certificate.js";
import type { EmulatorRequest, EmulatorResponse } from "./emulatorTypes.js";
import type { EmulatorEndpoint } from "./httpClient.js";

/** Largest request body the server reads; ARM itself refuses bodies over 4 MiB. */
export const maxRequestBodyBytes = 4 * 1024 * 1024;

/** Where and how the emulator's HTTPS server listens. */
export interface EmulatorServerOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** A loopback address or `localhost`. Default `127.0.0.1`; anything else is refused. */
  host?: string;
  /** Where to write the CA certificate. Default: a new temporary directory, removed on close. */
  caPath?: string;
}

/** A running emulator server. */
export interface EmulatorServer {
  /** `https://127.0.0.1:{port}`: the ARM endpoint, and the HTTPS proxy URL (see {@link startEmulatorServer}). */
  readonly url: string;
  readonly port: number;
  /** The CA certificate that signed the server's certificate (PEM). */
  readonly caPem: string;
  /** The CA certificate's file, for `NODE_EXTRA_CA_CERTS`. */
  readonly caPath: string;
  /** Stops listening, drops open connections and removes the temporary CA file. */
  close(): Promise<void>;
}

/** The server could not start. `code` says why. */
export class EmulatorServerError extends Error {
  constructor(
    readonly code: "EmulatorHostNotLoopback" | "EmulatorPortInvalid" | "EmulatorListenFailed",
    message: string,
  ) {
    super(message);
    this.name = "EmulatorServerError";
  }
}

function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  if (bare === "localhost" || bare === "::1") return true;
  const v4 = bare.startsWith("::ffff:") ? bare.slice("::ffff:".length) : bare;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

function formatOrigin(host: string, port: number): string {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return `https://${isIP(bare) === 6 ? `[${bare}]` : bare}:${port}`;
}

type ReadBody = { kind: "ok"; text: string | undefined } | { kind: "tooLarge" };

function readBody(request: IncomingMessage): Promise<ReadBody> {
  const declared = Number(request.headers["content-length"] ?? "0");
  if (declared > maxRequestBodyBytes) return Promise.resolve({ kind: "tooLarge" });
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    request.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > maxRequestBodyBytes) {
        done = true;
        resolve({ kind: "tooLarge" });
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (done) return;
      done = true;
      resolve({ kind: "ok", text: size === 0 ? undefined : Buffer.concat(chunks).toString("utf8") });
    });
    request.on("error", reject);
  });
}

/**
 * The request's full URL. The host comes from the `Host` header, so a client that connects to
 * loopback but names `management.azure.com` or `kv-cmk.vault.azure.net` is routed to that surface;
 * a client that uses this server's own address is answered as ARM.
 */
function requestUrl(request: IncomingMessage, fallbackHost: string): URL | undefined {
  const target = request.url ?? "/";
  try {
    if (target.startsWith("/")) return new URL(`https://${request.headers.host ?? fallbackHost}${target}`);
    const absolute = new URL(target);
    return absolute.protocol === "https:" ? absolute : undefined;
  } catch {
    return undefined;
  }
}

function toEmulatorHeaders(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return headers;
}

function send(response: ServerResponse, answer: EmulatorResponse, close = false): void {
  response.statusCode = answer.status;
  for (const [name, value] of Object.entries(answer.headers)) response.setHeader(name, value);
  if (close) response.setHeader("connection", "close");
  response.end(answer.body ?? "");
}

async function answer(
  emulator: EmulatorEndpoint,
  request: IncomingMessage,
  response: ServerResponse,
  fallbackHost: string,
): Promise<void> {
  const url = requestUrl(request, fallbackHost);
  if (url === undefined) {
    request.resume();
    send(response, armError(400, "BadRequest", "The request URL or Host header is not valid."));
    return;
  }
  const body = await readBody(request);
  if (body.kind === "tooLarge") {
    // The rest of the body is not read; closing the connection is the only way to stop it.
    send(
      response,
      armError(
        413,
        "RequestEntityTooLarge",
        `The request body is larger than the limit of ${maxRequestBodyBytes} bytes.`,
      ),
      true,
    );
    return;
  }
  const emulatorRequest: EmulatorRequest = {
    method: (request.method ?? "GET").toUpperCase(),
    url,
    headers: toEmulatorHeaders(request),
    body: body.text,
  };
  send(response, await emulator.handle(emulatorRequest));
}

/**
 * Serves `emulator` over real HTTPS on loopback, with a throwaway CA (see `certificate.ts`).
 *
 * Clients reach it three ways, all with the CA trusted:
 * - as the ARM endpoint: SDK option `endpoint: server.url` (and `NODE_EXTRA_CA_CERTS=server.caPath`
 *   in another process);
 * - with real Azure URLs through `createLoopbackAgent` (in-process; needed for Key Vault, whose
 *   handshake depends on the vault host);
 * - with real Azure URLs through `HTTPS_PROXY=server.url`: the server accepts `CONNECT` and answers
 *   the tunnelled TLS itself, so an SDK client in any Node process reaches it unchanged.
 *
 * Binds loopback only: this is a test bed, never a service.
 */
export async function startEmulatorServer(
  emulator: EmulatorEndpoint,
  options: EmulatorServerOptions = {},
): Promise<EmulatorServer> {
  const host = options.host ?? "127.0.0.1";
  if (!isLoopbackHost(host)) {
    throw new EmulatorServerError(
      "EmulatorHostNotLoopback",
      `host: the emulator binds loopback only (127.0.0.1, ::1 or localhost), not ${JSON.stringify(host)}`,
    );
  }
  const requestedPort = options.port ?? 0;
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65535) {
    throw new EmulatorServerError(
      "EmulatorPortInvalid",
      `port: must be an integer from 0 to 65535, not ${String(requestedPort)}`,
    );
  }

  const certificates = await createEmulatorCertificates();
  const tempDir = options.caPath === undefined ? await mkdtemp(join(tmpdir(), "cmkr-emulator-")) : undefined;
  const caPath = options.caPath ?? join(tempDir ?? tmpdir(), "ca.pem");
  const removeTempDir = async (): Promise<void> => {
    if (tempDir !== undefined) await rm(tempDir, { recursive: true, force: true });
  };
  await writeFile(caPath, certificates.caPem, { mode: 0o644 });

  let fallbackHost = host;
  const server = https.createServer({ key: certificates.keyPem, cert: certificates.certPem });
  server.on("request", (request: IncomingMessage, response: ServerResponse) => {
    answer(emulator, request, response, fallbackHost).catch((error: unknown) => {
      if (response.headersSent) {
        response.destroy();
        return;
      }
      send(response, armError(500, "InternalServerError", `emulator error: ${(error as Error).message}`));
    });
  });
  // An HTTPS proxy tunnel: whatever host the client asks for, the tunnel ends at this server, which
  // then runs TLS (with the client's SNI) and HTTP on it exactly as on a direct connection.
  server.on("connect", (_request: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length > 0) socket.unshift(head);
    server.emit("connection", socket);
  });
  const sockets = new Set<Duplex>();
  server.on("connection", (socket: Socket | Duplex) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  server.on("tlsClientError", (_error: Error, socket: Duplex) => {
    socket.destroy();
  });

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(requestedPort, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (error) {
    await removeTempDir();
    throw new EmulatorServerError(
      "EmulatorListenFailed",
      `cannot listen on ${host}:${requestedPort}: ${(error as Error).message}`,
    );
  }
  const port = (server.address() as AddressInfo).port;
  const url = formatOrigin(host, port);
  fallbackHost = new URL(url).host;

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    caPem: certificates.caPem,
    caPath,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        for (const socket of sockets) socket.destroy();
      }).then(removeTempDir);
      return closing;
    },
  };
}
