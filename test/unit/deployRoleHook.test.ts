import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

/**
 * Runs the azd postprovision hook (infra/scripts/deployRole.sh) against a stand-in `az` on PATH that
 * records its arguments and fails the way Azure does while a new role definition or identity replicates.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const hook = path.join(root, "infra/scripts/deployRole.sh");

// Fails `deployment mg create` STUB_DEPLOY_FAILS times with STUB_DEPLOY_ERROR, and `role assignment
// create` on STUB_ASSIGN_FAIL_SCOPE STUB_ASSIGN_FAILS times with PrincipalNotFound; logs every call.
const stubAz = `#!/bin/sh
dir=$(dirname "$0")
printf '%s\\n' "$*" >> "$dir/calls.log"
count() { n=$(cat "$dir/$1" 2>/dev/null || echo 0); n=$((n + 1)); echo "$n" > "$dir/$1"; echo "$n"; }
case "$1 $2 $3" in
  "deployment mg create")
    n=$(count deploy.count)
    if [ "$n" -le "\${STUB_DEPLOY_FAILS:-0}" ]; then
      echo "ERROR: (\${STUB_DEPLOY_ERROR:-RoleDefinitionDoesNotExist}) The specified role definition does not exist." >&2
      exit 1
    fi
    echo "2f6bd0a5-4b6c-5b1e-9d3c-7a1e0c4d2b11" ;;
  "role assignment create")
    case "$*" in *"--scope \${STUB_ASSIGN_FAIL_SCOPE:-none} "*|*"--scope \${STUB_ASSIGN_FAIL_SCOPE:-none}")
      n=$(count assign.count)
      if [ "$n" -le "\${STUB_ASSIGN_FAILS:-0}" ]; then
        echo "ERROR: (PrincipalNotFound) Principal pid does not exist in the directory." >&2
        exit 1
      fi ;;
    esac ;;
  *) echo "unexpected az $*" >&2; exit 2 ;;
esac
`;

let dir = "";
afterEach(() => {
  if (dir !== "") rmSync(dir, { recursive: true, force: true });
  dir = "";
});

const vault =
  "/subscriptions/33333333-3333-3333-3333-333333333333/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-cmk";

function runHook(env: Record<string, string>): { status: number | null; calls: string[]; output: string } {
  dir = mkdtempSync(path.join(tmpdir(), "cmkr-hook-"));
  writeFileSync(path.join(dir, "az"), stubAz);
  chmodSync(path.join(dir, "az"), 0o755);
  const result = spawnSync("sh", [hook], {
    cwd: root,
    encoding: "utf8",
    env: {
      PATH: `${dir}${path.delimiter}${process.env.PATH ?? ""}`,
      AZURE_ENV_NAME: "dev",
      AZURE_LOCATION: "westeurope",
      CMKR_MANAGEMENT_GROUP_ID: "mg-prod",
      CMKR_IDENTITY_PRINCIPAL_ID: "9f8e7d6c-0000-4000-8000-000000000001",
      CMKR_SUBSCRIPTION_IDS: "11111111-1111-1111-1111-111111111111, 22222222-2222-2222-2222-222222222222",
      CMKR_KEY_VAULT_IDS: vault,
      CMKR_ROLE_RETRY_DELAY_SECONDS: "0",
      ...env,
    },
  });
  const log = path.join(dir, "calls.log");
  const calls = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean) : [];
  return { status: result.status, calls, output: `${result.stdout}${result.stderr}` };
}

const deploys = (calls: string[]): string[] => calls.filter((c) => c.startsWith("deployment mg create"));
const assignments = (calls: string[]): string[] =>
  calls.filter((c) => c.startsWith("role assignment create"));

describe("the postprovision hook (deployRole.sh)", () => {
  it("deploys both roles at the management group, then assigns the key reader on each subscription and vault", () => {
    const { status, calls, output } = runHook({});
    expect(status, output).toBe(0);
    expect(deploys(calls)).toHaveLength(1);
    expect(deploys(calls)[0]).toContain("--management-group-id mg-prod");
    expect(deploys(calls)[0]).toContain("--template-file infra/roles/main.bicep");
    expect(deploys(calls)[0]).toContain("--query properties.outputs.keyReaderRoleDefinitionName.value");
    const scopes = assignments(calls).map((c) => /--scope (\S+)/.exec(c)?.[1]);
    expect(scopes).toEqual([
      "/subscriptions/11111111-1111-1111-1111-111111111111",
      "/subscriptions/22222222-2222-2222-2222-222222222222",
      vault,
    ]);
    for (const call of assignments(calls)) {
      expect(call).toContain("--role 2f6bd0a5-4b6c-5b1e-9d3c-7a1e0c4d2b11");
      expect(call).toContain("--assignee-object-id 9f8e7d6c-0000-4000-8000-000000000001");
      expect(call).toContain("--assignee-principal-type ServicePrincipal");
      expect(call).not.toContain("managementGroups");
    }
  });

  it("waits out role-definition replication on the deployment", () => {
    const { status, calls, output } = runHook({ STUB_DEPLOY_FAILS: "2" });
    expect(status, output).toBe(0);
    expect(deploys(calls)).toHaveLength(3);
    expect(output).toMatch(/retrying/);
    expect(assignments(calls)).toHaveLength(3);
  });

  it("waits out identity replication on one assignment and still assigns the others", () => {
    const { status, calls, output } = runHook({ STUB_ASSIGN_FAIL_SCOPE: vault, STUB_ASSIGN_FAILS: "1" });
    expect(status, output).toBe(0);
    expect(assignments(calls).filter((c) => c.includes(vault))).toHaveLength(2);
    expect(assignments(calls)).toHaveLength(4);
  });

  it("fails at once on an error that is not replication", () => {
    const { status, calls, output } = runHook({
      STUB_DEPLOY_FAILS: "5",
      STUB_DEPLOY_ERROR: "AuthorizationFailed",
    });
    expect(status).not.toBe(0);
    expect(deploys(calls)).toHaveLength(1);
    expect(assignments(calls)).toHaveLength(0);
    expect(output).toContain("AuthorizationFailed");
  });

  it("gives up after CMKR_ROLE_RETRY_ATTEMPTS attempts", () => {
    const { status, calls, output } = runHook({ STUB_DEPLOY_FAILS: "99", CMKR_ROLE_RETRY_ATTEMPTS: "3" });
    expect(status).not.toBe(0);
    expect(deploys(calls)).toHaveLength(3);
    expect(output).toMatch(/after 3 attempts/);
  });

  it("does nothing without a management group, and says so", () => {
    const { status, calls, output } = runHook({ CMKR_MANAGEMENT_GROUP_ID: "" });
    expect(status).toBe(0);
    expect(calls).toEqual([]);
    expect(output).toContain("docs/deployment.md");
  });
});
