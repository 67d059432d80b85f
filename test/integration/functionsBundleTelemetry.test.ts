import { spawn } from "node:child_process";
import { createServer, type Server } from "node:https";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createEmulatorCertificates } from "@cmkr/azure-emulator";
import { bundleApp, projectRoot, type BundleResult } from "../../bench/bundleApp.js";

const root = projectRoot();

/**
 * Loads the bundle as the Functions worker would (a stand-in core API, as bench/hostProbe.ts),
 * with telemetry on, then ends one span through the OpenTelemetry API the bundle registered
 * globally and flushes it: the bundle's exporter must send it to the ingestion endpoint.
 */
function childSource(main: string): string {
  return `
import Module from "node:module";
let model;
const disposable = { dispose() {} };
const coreApi = {
  version: "probe", hostVersion: "4.0.0",
  registerHook() { return disposable; },
  setProgrammingModel(m) { model = m; }, getProgrammingModel() { return model; },
  registerFunction() { return disposable; },
  Disposable: class { constructor(fn) { this.fn = fn; } dispose() { this.fn?.(); } },
};
Module.prototype.require = new Proxy(Module.prototype.require, {
  apply(target, self, args) {
    return args[0] === "@azure/functions-core" ? coreApi : Reflect.apply(target, self, args);
  },
});
await import(${JSON.stringify(pathToFileURL(main).href)});
const api = globalThis[Symbol.for("opentelemetry.js.api.1")];
// The API registers a proxy; the SDK's provider is its delegate.
const provider = api.trace.getDelegate();
// Sampling (Azure Monitor limits traces per second) or a slow machine may drop one span: end and
// flush spans until the ingestion endpoint says one arrived (at most ~20 s).
for (let i = 0; i < 40; i++) {
  provider.getTracer("bundle-telemetry-test").startSpan("cmkr-bundle-span").end();
  await provider.forceFlush();
  if ((await (await fetch(process.env.CMKR_TEST_SEEN_URL)).text()) === "yes") break;
  await new Promise((resolve) => setTimeout(resolve, 500));
}
const capabilities = model === undefined ? {} : await model.getCapabilities({});
process.stdout.write("@@caps " + JSON.stringify(capabilities) + "\\n");
process.exit(0);
`;
}

describe("function app bundle with telemetry on", () => {
  let tmp: string;
  let bundle: BundleResult;
  let server: Server;
  const received: string[] = [];

  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), "cmkr-bundle-telemetry-"));
    bundle = await bundleApp({ outdir: path.join(tmp, "app") });
    // The exporter speaks HTTPS only: a throwaway CA the child process trusts.
    const certificates = await createEmulatorCertificates();
    await writeFile(path.join(tmp, "ca.pem"), certificates.caPem);
    server = createServer({ cert: certificates.certPem, key: certificates.keyPem }, (req, res) => {
      if (req.method === "GET" && req.url === "/seen") {
        res.end(received.join("\n").includes("cmkr-bundle-span") ? "yes" : "no");
        return;
      }
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const body = Buffer.concat(chunks);
        received.push((req.headers["content-encoding"] === "gzip" ? gunzipSync(body) : body).toString());
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ itemsReceived: 1, itemsAccepted: 1, errors: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  }, 120_000);

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(tmp, { recursive: true, force: true });
  });

  it("starts, installs the Azure SDK tracing bridge in the bundled copy, and exports a span", async () => {
    const { port } = server.address() as AddressInfo;
    const endpoint = `https://127.0.0.1:${port}/`;
    const child = spawn(process.execPath, ["--input-type=module", "-e", childSource(bundle.main)], {
      // Outside the project: nothing can be loaded from a node_modules folder.
      cwd: tmp,
      env: {
        PATH: process.env.PATH,
        NODE_EXTRA_CA_CERTS: path.join(tmp, "ca.pem"),
        CMKR_TEST_SEEN_URL: `${endpoint}seen`,
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0;IngestionEndpoint=${endpoint};LiveEndpoint=${endpoint}`,
        APPLICATIONINSIGHTS_STATSBEAT_DISABLED: "true",
        APPLICATIONINSIGHTS_INSTRUMENTATION_LOGGING_LEVEL: "WARN",
        APPLICATIONINSIGHTS_LOG_DESTINATION: "console",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => (output += d.toString()));
    child.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(code, output).toBe(0);
    const caps = output.split("\n").find((l) => l.startsWith("@@caps "));
    expect(JSON.parse(caps?.slice(7) ?? "{}")).toMatchObject({ WorkerOpenTelemetryEnabled: "true" });
    // The bridge is bundled (bench/azureSdkTracingBridgePlugin.ts); the package's own version
    // needs a node_modules folder and warns here without one.
    expect(output).not.toContain("Failed to install Azure SDK tracing bridge");
    expect(output).not.toContain("is not in the function app bundle");
    expect(received.join("\n")).toContain("cmkr-bundle-span");
  }, 120_000);

  it("leaves gRPC, protobuf.js, YAML, the OTLP exporters and zod's other locales out", async () => {
    const text = (
      await Promise.all(
        bundle.files
          .filter((f) => f.endsWith(".js"))
          .map((f) => readFile(path.join(bundle.outdir, f), "utf8")),
      )
    ).join("\n");
    expect(bundle.packages).not.toContain("@grpc/grpc-js");
    expect(bundle.packages).not.toContain("protobufjs");
    expect(bundle.packages).not.toContain("yaml");
    expect(bundle.packages).toContain("@opentelemetry/sdk-node");
    expect(text).not.toContain('("@azure/opentelemetry-instrumentation-azure-sdk")');
    expect((await readdir(bundle.outdir)).includes("node_modules")).toBe(false);
    // zod's Spanish messages are out (bench/zodLocalesPlugin.ts); its English ones are in, and
    // nothing in the sources asks zod for another locale.
    expect(text).not.toContain("Entrada inv");
    expect(text).toContain("Invalid input");
    const sources = await readdir(path.join(root, "src"), { recursive: true });
    for (const file of sources.filter((f) => f.endsWith(".ts")))
      expect(await readFile(path.join(root, "src", file), "utf8"), file).not.toMatch(/\blocales\b/);
  });
});
