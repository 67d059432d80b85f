import { z } from "zod";

const httpUrl = z.url({ protocol: /^https?$/, message: "expected an http(s) URL" });
const timeoutMs = z.number().int().positive().max(600_000).optional();

/** GitHub Issues: `{kind: "github", owner, repo, token, baseUrl?, labels?}`. */
export const githubSinkOptionsSchema = z.object({
  kind: z.literal("github"),
  owner: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,38}$/, "expected a GitHub user or organization"),
  repo: z.string().regex(/^[\w.-]{1,100}$/, "expected a repository name"),
  token: z.string().min(1, "expected a token"),
  baseUrl: httpUrl.optional(),
  labels: z.array(z.string().trim().min(1).max(50)).optional(),
  timeoutMs,
});

/**
 * Azure DevOps work items: `{kind: "azure-devops", orgUrl, project, pat?, workItemType?,
 * closedState?, tags?}`. Without `pat`, the sink needs a credential (managed identity).
 */
export const azureDevOpsSinkOptionsSchema = z.object({
  kind: z.literal("azure-devops"),
  orgUrl: httpUrl,
  project: z.string().trim().min(1, "expected a project name"),
  pat: z.string().min(1, "expected a personal access token").optional(),
  workItemType: z.string().trim().min(1).optional(),
  closedState: z.string().trim().min(1).optional(),
  tags: z.array(z.string().trim().min(1)).optional(),
  timeoutMs,
});

/** A JSON webhook: `{kind: "webhook", url, secret?}`. */
export const webhookSinkOptionsSchema = z.object({
  kind: z.literal("webhook"),
  url: httpUrl,
  secret: z.string().min(16, "expected at least 16 characters").optional(),
  timeoutMs,
});

/** A JSON-lines file: `{kind: "file", path}`. */
export const fileSinkOptionsSchema = z.object({
  kind: z.literal("file"),
  path: z.string().trim().min(1, "expected a file path"),
});

/** Settings of any sink, told apart by `kind`. */
export const ticketSinkOptionsSchema = z.discriminatedUnion("kind", [
  githubSinkOptionsSchema,
  azureDevOpsSinkOptionsSchema,
  webhookSinkOptionsSchema,
  fileSinkOptionsSchema,
]);

export type GitHubTicketSinkOptions = z.infer<typeof githubSinkOptionsSchema>;
export type AzureDevOpsTicketSinkOptions = z.infer<typeof azureDevOpsSinkOptionsSchema>;
export type WebhookTicketSinkOptions = z.infer<typeof webhookSinkOptionsSchema>;
export type FileTicketSinkOptions = z.infer<typeof fileSinkOptionsSchema>;
/** Plain-data settings of one sink, as configuration produces them. */
export type TicketSinkOptions = z.infer<typeof ticketSinkOptionsSchema>;

/** Invalid sink settings; `field` names the setting. Never carries the value (it may be a secret). */
export class TicketSinkConfigError extends Error {
  readonly code = "TicketSinkConfigInvalid";
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`Invalid ticket sink setting ${field}: ${problem}`);
    this.name = "TicketSinkConfigError";
  }
}

/** Validates sink settings, throwing {@link TicketSinkConfigError} for the first problem found. */
export function parseTicketSinkOptions(input: unknown): TicketSinkOptions {
  const parsed = ticketSinkOptionsSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue === undefined || issue.path.length === 0 ? "kind" : issue.path.join(".");
  throw new TicketSinkConfigError(field, issue?.message ?? "invalid");
}
