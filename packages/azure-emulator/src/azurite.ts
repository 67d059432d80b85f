import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { createRequire } from "node:module";

/** A running in-memory Azurite (Blob, Queue, Table) on loopback. */
export interface AzuriteHandle {
  /** Connection string for the well-known Azurite development account. */
  readonly connectionString: string;
  readonly blobPort: number;
  readonly queuePort: number;
  readonly tablePort: number;
  stop(): Promise<void>;
}

/**
 * Azurite's published development account. It is a fixed, public value that only Azurite accepts,
 * so it is not a secret.
 */
const devAccount = "devstoreaccount1";
const devKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
}

/** The connection string for an Azurite listening on these loopback ports. */
export function azuriteConnectionString(blobPort: number, queuePort: number, tablePort: number): string {
  const host = "http://127.0.0.1";
  return [
    "DefaultEndpointsProtocol=http",
    `AccountName=${devAccount}`,
    `AccountKey=${devKey}`,
    `BlobEndpoint=${host}:${blobPort}/${devAccount}`,
    `QueueEndpoint=${host}:${queuePort}/${devAccount}`,
    `TableEndpoint=${host}:${tablePort}/${devAccount}`,
  ].join(";");
}

/**
 * Starts Azurite from the installed npm package as a child process, in memory, on free loopback
 * ports, with telemetry off. Resolves once all three services listen.
 */
export async function startAzurite(options: { timeoutMs?: number } = {}): Promise<AzuriteHandle> {
  const require = createRequire(import.meta.url);
  const script = require.resolve("azurite/dist/src/azurite.js");
  const [blobPort, queuePort, tablePort] = [await freePort(), await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      script,
      "--inMemoryPersistence",
      "--disableTelemetry",
      "--skipApiVersionCheck",
      "--loose",
      "--blobHost",
      "127.0.0.1",
      "--queueHost",
      "127.0.0.1",
      "--tableHost",
      "127.0.0.1",
      "--blobPort",
      String(blobPort),
      "--queuePort",
      String(queuePort),
      "--tablePort",
      String(tablePort),
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) {
        resolve();
        return;
      }
      child.once("exit", () => {
        resolve();
      });
      child.kill("SIGTERM");
    });

  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => {
      void stop();
      reject(
        new Error(`Azurite did not start within ${options.timeoutMs ?? 30_000} ms: ${output.slice(-500)}`),
      );
    }, options.timeoutMs ?? 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      if ((output.match(/successfully listening/g) ?? []).length >= 3) {
        clearTimeout(timer);
        child.stdout.off("data", onData);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`Azurite exited with code ${code}: ${output.slice(-500)}`));
    });
  });
  // Keep draining output so the child never blocks on a full pipe.
  child.stdout.resume();
  child.stderr.resume();

  return {
    connectionString: azuriteConnectionString(blobPort, queuePort, tablePort),
    blobPort,
    queuePort,
    tablePort,
    stop,
  };
}
