import type { TicketContent } from "../../src/core/tickets/ticketSink.js";

/** Secrets the ticket tests use; no output may ever contain them. */
export const GITHUB_TOKEN = "ghp_TEST0TOKEN0SHOULD0NEVER0APPEAR0123";
export const ADO_PAT = "adopat-TEST-SECRET-SHOULD-NEVER-APPEAR-987";
export const ADO_BEARER = "eyJ0eXAiOiJKV1QiLCJhbGciOiJub25lIn0.TEST-BEARER-NEVER-APPEAR.sig";
export const WEBHOOK_SECRET = "whsec-TEST-SECRET-NEVER-APPEAR-42";
export const WEBHOOK_KEY = "sigTESTKEYNEVERAPPEAR0042";

/** A finding on disk `n`. */
export function ticketContent(n = 1, findingCode = "DiskPlatformKey"): TicketContent {
  return {
    resourceId: `/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Compute/disks/disk-${n}`,
    resourceType: "Microsoft.Compute/disks",
    findingCode,
    title: `Managed disk disk-${n} uses a platform-managed key`,
    body: "## What\n\nThe disk is not encrypted with a customer-managed key.\n\n1. Step one\n2. Step `two` <b>",
    severity: "high",
  };
}
