import { z } from "zod";
import { defaultSweepSchedule, ncrontabProblem } from "../core/sweep/sweepSchedule.js";
import { defaultWaves, waveListProblem } from "../core/rollout/rolloutWaves.js";

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function csv(schema: z.ZodString) {
  return z
    .string()
    .optional()
    .transform((v) =>
      (v ?? "")
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s.length > 0),
    )
    .pipe(z.array(schema));
}

function bool(defaultValue: boolean) {
  return z
    .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
    .optional()
    .transform((v) => (v === undefined ? defaultValue : v === "true" || v === "1" || v === "yes"));
}

function int(defaultValue: number, min: number, max: number) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return defaultValue;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: "custom", message: `expected a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return n;
    });
}

function regionMap(what: string) {
  return z
    .string()
    .optional()
    .transform((v, ctx) => {
      const out: Record<string, string> = {};
      for (const entry of (v ?? "")
        .split(",")
        .map((e) => e.trim())
        .filter((e) => e !== "")) {
        const at = entry.indexOf("=");
        if (at <= 0 || at === entry.length - 1) {
          ctx.addIssue({ code: "custom", message: `expected region=${what} pairs separated by commas` });
          return z.NEVER;
        }
        out[entry.slice(0, at).trim()] = entry.slice(at + 1).trim();
      }
      return out;
    });
}

/**
 * Every setting the service reads, by environment variable (Functions app settings). The settings
 * table of docs/configuration.md must list exactly these, with their defaults
 * (test/unit/configurationDoc.test.ts); keep the descriptions user-facing.
 */
const envSchema = z.object({
  CMKR_DRY_RUN: bool(true).describe(
    "When true (the default) the service plans and reports but writes nothing to Azure. Set false to let it remediate.",
  ),
  CMKR_SCOPE_SUBSCRIPTIONS: csv(
    z.string().regex(guid, "expected subscription GUIDs separated by commas"),
  ).describe(
    "Subscriptions the service may act on. With CMKR_SCOPE_MANAGEMENT_GROUPS empty too, every subscription the identity can see.",
  ),
  CMKR_SCOPE_MANAGEMENT_GROUPS: csv(
    z.string().regex(/^[\w().-]{1,90}$/, "expected management group ids separated by commas"),
  ).describe("Management groups whose subscriptions the service may act on."),
  CMKR_SERVICE_PRINCIPAL_ID: z
    .string()
    .regex(guid, "expected the object id (GUID) of the service's managed identity")
    .optional()
    .describe("Object id of the service's own identity; its writes are ignored to avoid loops."),
  CMKR_SERVICE_APP_ID: z
    .string()
    .regex(guid, "expected the client id (GUID) of the service's managed identity")
    .optional()
    .describe(
      "Client (application) id of the service's own identity; its writes are ignored to avoid loops.",
    ),
  CMKR_KEY_EXPIRY_MARGIN_DAYS: int(30, 0, 3650).describe(
    "A key version expiring within this many days is not used as a rotation target.",
  ),
  CMKR_AI_SERVICES_KINDS: csv(z.string().regex(/^[\w.-]+$/, "expected account kinds separated by commas"))
    .transform((kinds) => (kinds.length === 0 ? ["OpenAI", "AIServices"] : kinds))
    .describe("Cognitive Services account kinds in scope (default OpenAI,AIServices)."),
  CMKR_AI_SERVICES_MODE: z
    .enum(["ticket", "enforce"], { message: "expected ticket or enforce" })
    .default("ticket")
    .describe(
      "ticket: report AI services accounts without a customer-managed key. enforce: also switch CMK on with CMKR_ENFORCE_KEYS when every preflight check passes.",
    ),
  CMKR_DISK_MODE: z
    .enum(["ticket", "enforce"], { message: "expected ticket or enforce" })
    .default("ticket")
    .describe(
      "ticket: report disks with platform keys. enforce: also attach CMKR_ENFORCE_DISK_ENCRYPTION_SETS to unattached or reserved disks.",
    ),
  CMKR_DES_AUTO_ROTATION: z
    .enum(["off", "enable", "ticket"], { message: "expected off, enable or ticket" })
    .default("off")
    .describe(
      "What to do about disk encryption sets without automatic key rotation: nothing, turn it on, or ticket.",
    ),
  CMKR_ENFORCE_KEYS: regionMap("versioned key URI").describe(
    "Per region, the key version enforce mode puts on AI services accounts: westeurope=https://kv.vault.azure.net/keys/k/v,...",
  ),
  CMKR_ENFORCE_DISK_ENCRYPTION_SETS: regionMap("disk encryption set id").describe(
    "Per region, the disk encryption set enforce mode attaches to disks: westeurope=/subscriptions/.../diskEncryptionSets/des,...",
  ),
  CMKR_EXCLUDE_TAG: z
    .string()
    .regex(/^[^=,]+(=[^,]*)?$/, "expected a tag name, or name=value")
    .default("cmk-remediation=exclude")
    .describe("Resources with this tag (name, or name=value) are left alone."),
  CMKR_EXCLUDE_ID_PATTERNS: csv(z.string().min(1)).describe(
    "Resource id patterns (* matches anything, case-insensitive) the service leaves alone.",
  ),
  CMKR_TICKET_SINK: z
    .enum(["none", "github", "azure-devops", "webhook", "file"], {
      message: "expected none, github, azure-devops, webhook or file",
    })
    .default("none")
    .describe("Where tickets go. With none, ticket requests stay pending in the ledger."),
  CMKR_GITHUB_REPO: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, "expected owner/repo")
    .optional()
    .describe("GitHub repository for tickets (github sink), as owner/repo."),
  CMKR_GITHUB_TOKEN: z
    .string()
    .min(1)
    .optional()
    .describe("GitHub token with issues:write (github sink); use a Key Vault reference."),
  CMKR_GITHUB_API_URL: z
    .url()
    .optional()
    .describe("GitHub API URL for GitHub Enterprise Server (github sink)."),
  CMKR_AZURE_DEVOPS_ORG_URL: z
    .url()
    .optional()
    .describe("Azure DevOps organization URL, e.g. https://dev.azure.com/contoso (azure-devops sink)."),
  CMKR_AZURE_DEVOPS_PROJECT: z
    .string()
    .min(1)
    .optional()
    .describe("Azure DevOps project (azure-devops sink)."),
  CMKR_AZURE_DEVOPS_PAT: z
    .string()
    .min(1)
    .optional()
    .describe(
      "Azure DevOps personal access token (azure-devops sink); without it the managed identity is used.",
    ),
  CMKR_WEBHOOK_URL: z.url().optional().describe("URL that receives ticket events as JSON (webhook sink)."),
  CMKR_WEBHOOK_SECRET: z
    .string()
    .min(16, "expected at least 16 characters")
    .optional()
    .describe("HMAC secret that signs webhook bodies (webhook sink)."),
  CMKR_EVENTS_SHARED_SECRET: z
    .string()
    .min(32, "expected at least 32 characters")
    // App Service leaves a Key Vault reference it could not resolve in the setting as it is
    // ("the reference value will be used instead", app-service-key-vault-references.md); the template
    // sets this setting as one. Taken as the secret, that text (readable by anyone who can read the app
    // settings) would open /api/events: refuse it.
    .refine((v) => !/^\s*@Microsoft\.KeyVault\(/i.test(v), {
      message:
        "is an unresolved Key Vault reference: App Service could not read the secret (check the identity's access to the vault)",
    })
    .optional()
    .describe(
      "When set, /api/events requires it in the x-cmkr-events-secret header (an Event Grid delivery attribute marked secret); cmkr replay --target sends it.",
    ),
  CMKR_TICKET_FILE: z
    .string()
    .min(1)
    .optional()
    .describe("JSON-lines file for tickets (file sink, local runs)."),
  CMKR_JOB_QUEUE: z
    .string()
    .regex(
      /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
      "expected a Storage queue name (3-63 lower-case letters, digits, dashes)",
    )
    .default("cmkr-jobs")
    .describe("Storage queue that carries one job per resource."),
  CMKR_LEDGER_TABLE: z
    .string()
    .regex(
      /^[A-Za-z][A-Za-z0-9]{2,62}$/,
      "expected a Table name (3-63 letters and digits, starting with a letter)",
    )
    .default("cmkrledger")
    .describe("Table Storage table that records every planned and applied action."),
  AzureWebJobsStorage: z
    .string()
    .regex(/AccountName=|UseDevelopmentStorage=true/i, "expected a storage connection string")
    .optional()
    .describe("Storage connection string (local runs only; in Azure use AzureWebJobsStorage__accountName)."),
  AzureWebJobsStorage__accountName: z
    .string()
    .regex(/^[a-z0-9]{3,24}$/, "expected a storage account name (3-24 lower-case letters and digits)")
    .optional()
    .describe("Storage account for the queue and ledger, reached with the managed identity (no keys)."),
  CMKR_FANOUT_BATCH_SIZE: int(50, 32, 100).describe(
    "Consumers of a key event carried by one queue message; the worker claims each when it starts it.",
  ),
  CMKR_LRO_POLL_INTERVAL_MS: int(5000, 0, 600_000).describe(
    "How often long-running Azure operations are polled when Azure sends no Retry-After.",
  ),
  CMKR_PLAN_TTL_MINUTES: int(60, 1, 7 * 24 * 60).describe(
    "How long a plan (cmkr remediate --plan-out, the plan in a POST /api/remediate dry run) may be applied, in minutes; default 60.",
  ),
  CMKR_SWEEP_SCHEDULE: z
    .string()
    .default(defaultSweepSchedule)
    .superRefine((value, ctx) => {
      const problem = ncrontabProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe(
      "When the sweep runs: a six-field NCRONTAB expression ({second} {minute} {hour} {day} {month} {day-of-week}); default hourly.",
    ),
  CMKR_WRITE_BUDGET_PER_HOUR: int(200, 0, 100_000).describe(
    "At most this many writes to Azure per clock hour (UTC), tenant-wide, counted in the ledger; further writes are planned (WriteBudgetExhausted) and one ticket opened per hour.",
  ),
  CMKR_WRITES_PAUSED: bool(false).describe(
    "Kill switch as an app setting: true holds every write (planned, WritesPaused, one ticket). Changing it restarts the app; `cmkr writes pause` acts without a restart.",
  ),
  CMKR_ROLLOUT_WAVES: z
    .string()
    .default(defaultWaves)
    .superRefine((value, ctx) => {
      const problem = waveListProblem(value);
      if (problem !== undefined) ctx.addIssue({ code: "custom", message: problem });
    })
    .describe(
      "Wave sizes of a key version's staged rollout: per-type (one consumer of each type, first only), whole numbers, * (the rest, last only). Default per-type,10,*.",
    ),
  CMKR_ROLLOUT_PAUSE_SECONDS: int(0, 0, 86_400).describe(
    "Seconds between a confirmed wave and the release of the next one (the next wave's jobs stay invisible on the queue that long).",
  ),
});

/** The validated configuration. */
export type Config = z.infer<typeof envSchema>;

/** An invalid setting: names the variable and what was expected. */
export class ConfigError extends Error {
  readonly code = "ConfigInvalid";
  constructor(
    readonly variable: string,
    readonly problem: string,
  ) {
    super(`Invalid setting ${variable}: ${problem}`);
    this.name = "ConfigError";
  }
}

/** Name, description and default of every setting, for docs and `--help`. */
export function describeSettings(): { name: string; description: string }[] {
  return Object.entries(envSchema.shape).map(([name, schema]) => ({
    name,
    description: schema.description ?? "",
  }));
}

/**
 * Reads and validates the configuration once. Throws {@link ConfigError} naming the first invalid
 * variable, so a bad deployment fails at start-up rather than at its first write.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const picked: Record<string, string | undefined> = {};
  for (const name of Object.keys(envSchema.shape)) {
    const value = env[name];
    picked[name] = value === undefined || value.trim() === "" ? undefined : value.trim();
  }
  const result = envSchema.safeParse(picked);
  if (!result.success) {
    const issue = result.error.issues[0];
    const variable = String(issue?.path[0] ?? "configuration");
    throw new ConfigError(variable, issue?.message ?? "invalid");
  }
  return result.data;
}
