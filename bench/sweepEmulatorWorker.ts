import { parentPort, workerData } from "node:worker_threads";
import { AzureEmulator, startEmulatorServer } from "@cmkr/azure-emulator";
import { sweepBenchTenant } from "./sweepTenant.js";

/**
 * The emulated tenant of the sweep benchmark, in its own thread (its own V8 heap), served over
 * loopback HTTPS: the benchmark's heap then holds the sweep alone, not the 100,000 emulated
 * resources it walks.
 */
const { resources } = workerData as { resources: number };
const { tenant } = sweepBenchTenant(resources);
const emulator = new AzureEmulator(tenant, { throttling: false, lro: { polls: 1, retryAfterSeconds: 0 } });
const server = await startEmulatorServer(emulator);
parentPort?.on("message", (message: unknown) => {
  if (message === "stop") {
    void server.close().then(() => {
      parentPort?.close();
    });
  }
});
parentPort?.postMessage({ port: server.port, ca: server.caPem, tenantId: tenant.tenantId });
