import { X509Certificate } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import https from "node:https";
import { ComputeManagementClient } from "@azure/arm-compute";
import { KeyClient } from "@azure/keyvault-keys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AzureEmulator } from "../../src/azureEmulator.js";
import { createEmulatorCertificates } from "../../src/certificate.js";
import { startEmulatorServer, type EmulatorServer } from "../../src/httpsServer.js";
import { createLoopbackAgent, loopbackPolicy } from "../../src/loopbackAgent.js";
import type { TenantFile } from "../../src/tenantFile.js";
import { TenantBuilder } from "../../src/tenantBuilder/index.js";

const tenantId = "7a0e0000-0000-0000-0000-0000000000aa";
const subscriptionId = "5b1c0000-0000-0000-0000-000000000001";
const vaultUrl = "https://kv-srv.vault.azure.net";
const vaultId = `/subscriptions/${subscriptionId}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-srv`;
const v1 = "0a000000000000000000000000000001";
const v2 = "0b000000000000000000000000000002";

/** One vault with two versions of `cmk-des`, and a disk encryption set on the older one. */
function serverTenant(): TenantFile {
  const b = new TenantBuilder({ tenantId, seed: "emulator-server" });
  b.subscription(subscriptionId, "prod");
  const vault = b.vault({ subscriptionId, resourceGroup: "rg-keys", name: "kv-srv" });
  b.key(vault, "cmk-des", [
    { version: v1, createdOn: "2025-01-01T00:00:00Z" },
    { version: v2, createdOn: "2025-06-01T00:00:00Z" },
  ]);
  b.diskEncryptionSet({
    subscriptionId,
    resourceGroup: "rg-ai",
    name: "des1",
    keyUrl: `${vaultUrl}/keys/cmk-des/${v1}`,
    sourceVaultId: vaultId,
  });
  return b.build();
}

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A bare HTTPS request to the server (no SDK), to observe TLS and HTTP behaviour directly. */
function rawRequest(
  server: EmulatorServer,
  options: { ca?: string; method?: string; path?: string; headers?: Record<string, string | number> },
  body?: Buffer,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = https.request(
      {
        host: "127.0.0.1",
        port: server.port,
        method: options.method ?? "GET",
        path: options.path ?? "/subscriptions?api-version=2022-12-01",
        headers: options.headers,
        ca: options.ca,
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString("utf8"),
          });
          request.destroy();
        });
      },
    );
    request.on("error", reject);
    if (body === undefined) request.end();
    else request.write(body);
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("emulator HTTPS server", () => {
  let emulator: AzureEmulator;
  let server: EmulatorServer;
  let agent: https.Agent;

  beforeAll(async () => {
    emulator = new AzureEmulator(serverTenant(), { throttling: false });
    server = await startEmulatorServer(emulator, { port: 0 });
    agent = createLoopbackAgent({ port: server.port, ca: server.caPem });
  });

  afterAll(async () => {
    agent.destroy();
    await server.close();
  });

  it("serves ARM at its own address: ComputeManagementClient with endpoint = server.url", async () => {
    expect(server.url).toBe(`https://127.0.0.1:${server.port}`);
    // The agent only adds trust in the throwaway CA here: the URL already points at loopback.
    const compute = new ComputeManagementClient(emulator.credential(), subscriptionId, {
      endpoint: server.url,
      credentialScopes: ["https://management.azure.com/.default"],
      additionalPolicies: [{ policy: loopbackPolicy(agent), position: "perCall" }],
    });
    const des = await compute.diskEncryptionSets.get("rg-ai", "des1");
    expect(des.activeKey?.keyUrl).toBe(`${vaultUrl}/keys/cmk-des/${v1}`);
    const served = emulator.log.entries({ url: /diskEncryptionSets\/des1/ });
    expect(served.at(-1)?.url.startsWith(`${server.url}/subscriptions/`)).toBe(true);
  });

  it("serves the real ARM host through the loopback agent, long-running PATCH included", async () => {
    const compute = new ComputeManagementClient(emulator.credential(), subscriptionId, {
      additionalPolicies: [{ policy: loopbackPolicy(agent), position: "perCall" }],
    });
    const updated = await compute.diskEncryptionSets.beginUpdateAndWait(
      "rg-ai",
      "des1",
      { activeKey: { keyUrl: `${vaultUrl}/keys/cmk-des/${v2}`, sourceVault: { id: vaultId } } },
      { updateIntervalInMs: 0 },
    );
    expect(updated.activeKey?.keyUrl).toBe(`${vaultUrl}/keys/cmk-des/${v2}`);
    const calls = emulator.log.entries({ url: /^https:\/\/management\.azure\.com\// });
    // The PATCH and at least one status poll, all over the wire with the Host ARM would see.
    expect(calls.some((c) => c.method === "PATCH")).toBe(true);
    expect(calls.length).toBeGreaterThan(1);
  });

  it("serves a vault at its real URL through the loopback agent, challenge handshake included", async () => {
    const credential = emulator.credential();
    const keys = new KeyClient(vaultUrl, credential, {
      additionalPolicies: [{ policy: loopbackPolicy(agent), position: "perCall" }],
    });
    const key = await keys.getKey("cmk-des");
    expect(key.id).toBe(`${vaultUrl}/keys/cmk-des/${v2}`);
    expect(key.properties.vaultUrl).toBe(vaultUrl);
    const statuses = emulator.log
      .entries({ url: /kv-srv\.vault\.azure\.net\/keys\/cmk-des/ })
      .map((e) => e.status);
    expect(statuses.slice(0, 2)).toEqual([401, 200]);
    expect(credential.requestedScopes).toContain("https://vault.azure.net/.default");
  });

  it("answers a request that trusts its CA, and refuses TLS to clients that do not", async () => {
    const trusted = await rawRequest(server, { ca: server.caPem });
    expect(trusted.status).toBe(401);
    expect(JSON.parse(trusted.body)).toMatchObject({ error: { code: "AuthenticationFailed" } });

    const other = await createEmulatorCertificates();
    const wrongCa = await rejection(rawRequest(server, { ca: other.caPem }));
    expect((wrongCa as NodeJS.ErrnoException).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    const systemTrust = await rejection(rawRequest(server, {}));
    expect((systemTrust as NodeJS.ErrnoException).code).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
  });

  it("routes by the Host header: a vault host gets Key Vault's challenge", async () => {
    const response = await rawRequest(server, {
      ca: server.caPem,
      path: "/keys/cmk-des?api-version=7.5",
      headers: { host: "kv-srv.vault.azure.net" },
    });
    expect(response.status).toBe(401);
    expect(response.headers["www-authenticate"]).toContain('resource="https://vault.azure.net"');
  });

  it("refuses a body over 4 MiB with 413 before reading it", async () => {
    const response = await rawRequest(
      server,
      {
        ca: server.caPem,
        method: "PUT",
        path: `/subscriptions/${subscriptionId}/resourceGroups/rg-ai?api-version=2021-04-01`,
        headers: { "content-type": "application/json", "content-length": 5 * 1024 * 1024 },
      },
      Buffer.from("{"),
    );
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code: "RequestEntityTooLarge" } });
  });

  it.each(["0.0.0.0", "::", "192.168.1.10", "example.com"])("refuses to bind %s", async (host) => {
    const error = await rejection(startEmulatorServer(emulator, { host }));
    expect(error).toMatchObject({ code: "EmulatorHostNotLoopback" });
  });

  it("writes the CA for NODE_EXTRA_CA_CERTS and removes it on close", async () => {
    const second = await startEmulatorServer(emulator);
    expect(second.port).not.toBe(server.port);
    expect(readFileSync(second.caPath, "utf8")).toBe(second.caPem);
    expect(second.caPem).not.toBe(server.caPem);
    await second.close();
    expect(existsSync(second.caPath)).toBe(false);
  });
});

describe("emulator certificates", () => {
  it("sign a loopback, ARM and Key Vault leaf with a throwaway CA", async () => {
    const { caPem, certPem, keyPem } = await createEmulatorCertificates();
    const ca = new X509Certificate(caPem);
    const leaf = new X509Certificate(certPem);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    // checkHost answers with the certificate name that matched.
    for (const [host, name] of [
      ["localhost", "localhost"],
      ["management.azure.com", "management.azure.com"],
      ["kv-cmk.vault.azure.net", "*.vault.azure.net"],
      ["kv-gov.vault.usgovcloudapi.net", "*.vault.usgovcloudapi.net"],
      ["pool1.managedhsm.azure.net", "*.managedhsm.azure.net"],
    ])
      expect(leaf.checkHost(host ?? "")).toBe(name);
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.checkIP("::1")).toBe("::1");
    expect(leaf.checkHost("example.com")).toBeUndefined();
    // A wildcard covers one label only, as TLS clients check it.
    expect(leaf.checkHost("a.b.vault.azure.net")).toBeUndefined();
    expect(keyPem).toContain("PRIVATE KEY");
  });
});
