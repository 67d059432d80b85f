import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/runCli.js";
import { EmulatorCredential } from "@cmkr/azure-emulator";
import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { ensureBuilt } from "../support/ensureBuilt.js";

const repo = resolve(import.meta.dirname, "../..");
const cliPath = join(repo, "dist/src/cli/main.js");
const tenantId = "7a0e0000-0000-0000-0000-0000000000bb";
const subscriptionId = "5b1c0000-0000-0000-0000-000000000002";
const vaultUrl = "https://kv-cli.vault.azure.net";
const keyVersion = "0c000000000000000000000000000003";

const tenant = (() => {
  const b = new TenantBuilder({ tenantId, seed: "cli-emulator" });
  b.subscription(subscriptionId, "cli-sub");
  b.key(vaultUrl, "cmk-cli", [{ version: keyVersion, createdOn: "2025-01-01T00:00:00Z" }]);
  return b.build();
})();

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Finished> {
  return new Promise((done) => {
    execFile(file, args, { cwd: repo, env }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : null;
      done({ code, signal: error?.signal ?? null, stdout, stderr });
    });
  });
}

/** A running `cmkr emulator`, its output so far, and its end. */
class EmulatorProcess {
  stdout = "";
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly child: ChildProcess;

  constructor(args: string[]) {
    this.child = spawn(process.execPath, [cliPath, ...args], { cwd: repo, stdio: "pipe" });
    this.child.stdout?.setEncoding("utf8").on("data", (text: string) => (this.stdout += text));
    this.child.stderr?.setEncoding("utf8").on("data", (text: string) => (this.stderr += text));
    this.exited = new Promise((done) =>
      this.child.once("close", (code, signal) => {
        done({ code, signal });
      }),
    );
  }

  /** Resolves with the URL of the ready line; rejects if the process ends first. */
  ready(): Promise<string> {
    return new Promise((done, fail) => {
      const check = (): void => {
        const match = /^ready: listening on (https:\/\/\S+)/m.exec(this.stdout);
        if (match?.[1] !== undefined) done(match[1]);
      };
      this.child.stdout?.on("data", check);
      check();
      void this.exited.then(() => {
        fail(new Error(`exited before ready: ${this.stderr}`));
      });
    });
  }

  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
}

function getJson(url: string, ca: string, token: string): Promise<{ status: number; body: unknown }> {
  return new Promise((done, fail) => {
    const request = https.get(
      url,
      { ca, headers: { authorization: `Bearer ${token}` }, agent: false },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
        res.on("end", () => {
          done({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        });
      },
    );
    request.on("error", fail);
  });
}

let dir: string;
let tenantPath: string;

beforeAll(async () => {
  // The CLI is tested as users run it: the compiled bin, built when the sources are newer.
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "cmkr-cli-test-"));
  tenantPath = join(dir, "tenant.json");
  await writeFile(tenantPath, JSON.stringify(tenant));
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("cmkr emulator (compiled bin)", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "serves ARM and Key Vault over HTTPS until %s, then exits 0",
    async (signal) => {
      const emulator = new EmulatorProcess(["emulator", "--tenant", tenantPath, "--port", "0"]);
      const url = await emulator.ready();
      expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(emulator.stdout).toContain(`ARM endpoint:    ${url}`);
      expect(emulator.stdout).toContain(
        `Resource Graph:  ${url}/providers/Microsoft.ResourceGraph/resources`,
      );
      expect(emulator.stdout).toContain(vaultUrl);
      const caPath = /export NODE_EXTRA_CA_CERTS=(\S+)/.exec(emulator.stdout)?.[1] ?? "";
      expect(emulator.stdout).toContain(`CA certificate:  ${caPath}`);
      const ca = await readFile(caPath, "utf8");

      const { token } = await new EmulatorCredential({
        objectId: "0b1d0000-0000-0000-0000-000000000001",
      }).getToken("https://management.azure.com/.default");
      const subscriptions = await getJson(`${url}/subscriptions?api-version=2022-12-01`, ca, token);
      expect(subscriptions.status).toBe(200);
      expect(subscriptions.body).toMatchObject({ value: [{ subscriptionId, displayName: "cli-sub" }] });

      // Another process keeps the real vault URL and reaches the emulator the way the output says:
      // NODE_EXTRA_CA_CERTS plus HTTPS_PROXY, with an unmodified KeyClient.
      const credentialModule = pathToFileURL(join(repo, "packages/azure-emulator/dist/index.js")).href;
      const script = [
        `import { KeyClient } from "@azure/keyvault-keys";`,
        `import { EmulatorCredential } from ${JSON.stringify(credentialModule)};`,
        `const credential = new EmulatorCredential({ objectId: "0b1d0000-0000-0000-0000-000000000002", tenantId: ${JSON.stringify(tenantId)} });`,
        `const key = await new KeyClient(${JSON.stringify(vaultUrl)}, credential).getKey("cmk-cli");`,
        `console.log(key.id);`,
      ].join("\n");
      const client = await run(process.execPath, ["--input-type=module", "-e", script], {
        ...process.env,
        NODE_EXTRA_CA_CERTS: caPath,
        HTTPS_PROXY: url,
        NO_PROXY: "",
      });
      expect(client.stderr).toBe("");
      expect(client.stdout.trim()).toBe(`${vaultUrl}/keys/cmk-cli/${keyVersion}`);

      emulator.kill(signal);
      expect(await emulator.exited).toEqual({ code: 0, signal: null });
      expect(emulator.stdout).toMatch(/stopped\n$/);
      expect(emulator.stderr).toBe("");
      expect(existsSync(caPath)).toBe(false);
    },
  );

  it("exits 2 naming the file and JSON path of a malformed tenant file", async () => {
    const badPath = join(dir, "bad-tenant.json");
    await writeFile(badPath, JSON.stringify({ ...tenant, subscriptions: [{ displayName: "no id" }] }));
    const result = await run(process.execPath, [cliPath, "emulator", "--tenant", badPath]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      new RegExp(
        `^error: ${badPath.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: \\$\\.subscriptions\\[0\\]\\.subscriptionId: .+\\n$`,
      ),
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe("");
  });

  it("exits 2 on a file that is not JSON", async () => {
    const notJson = join(dir, "not-json.json");
    await writeFile(notJson, "{ tenantId: ");
    const result = await run(process.execPath, [cliPath, "emulator", "--tenant", notJson]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `error: ${notJson}:1:3: not valid JSON: expected a property name in double quotes, found 't'`,
    );
  });
});

describe("cmkr command line (in-process)", () => {
  async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await runCli(["node", "cmkr", ...args], {
      out: (text) => (out += text),
      err: (text) => (err += text),
    });
    return { code, out, err };
  }

  it("prints help and exits 0", async () => {
    const top = await cli("--help");
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/Usage: cmkr/);
    expect(top.out).toMatch(/emulator \[options\]/);
    const sub = await cli("emulator", "--help");
    expect(sub.code).toBe(0);
    expect(sub.out).toContain("--tenant <file>");
    expect(sub.out).toContain("--port <n>");
  });

  it.each([
    [["emulator"], "required option '--tenant <file>' not specified"],
    [
      ["emulator", "--tenant", "t.json", "--port", "70000"],
      "option '--port <n>' argument '70000' is invalid. Expected a port number from 0 to 65535.",
    ],
    [
      ["emulator", "--tenant", "t.json", "--port", "80a"],
      "option '--port <n>' argument '80a' is invalid. Expected a port number from 0 to 65535.",
    ],
    [["emulator", "--tenant", "t.json", "--bogus"], "unknown option '--bogus'"],
    [["frobnicate"], "unknown command 'frobnicate'"],
  ])("exits 2 on usage error %j", async (args, message) => {
    const result = await cli(...args);
    expect(result.code).toBe(2);
    expect(result.err).toContain(`error: ${message}`);
  });

  it("exits 2 with help when no command is given", async () => {
    const result = await cli();
    expect(result.code).toBe(2);
    expect(result.err).toMatch(/Usage: cmkr/);
  });

  it("exits 2 when the tenant file does not exist", async () => {
    const missing = join(dir, "missing.json");
    const result = await cli("emulator", "--tenant", missing);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`error: ${missing}: cannot read the tenant file (no such file)\n`);
  });

  it("exits 1 when the port is taken", async () => {
    const busy: Server = createServer();
    await new Promise<void>((done) => busy.listen(0, "127.0.0.1", done));
    const port = (busy.address() as { port: number }).port;
    try {
      const result = await cli("emulator", "--tenant", tenantPath, "--port", String(port));
      expect(result.code).toBe(1);
      expect(result.err).toMatch(
        new RegExp(`^error: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`),
      );
      expect(result.out).toBe("");
    } finally {
      await new Promise((done) => busy.close(done));
    }
  });
});
