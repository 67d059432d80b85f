import { tryParseResourceId } from "../../ids/resourceId.js";
import { field, stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { keyRefFromUri, sameKeyVersion } from "../../ids/keyId.js";
import { exclusionHint } from "../../findings/cmkConsumerChecks.js";
import type { Finding } from "../../findings/finding.js";
import type { DetectionSettings } from "../../findings/detectionSettings.js";
import { nameOf, ticketBody } from "../../findings/ticketBody.js";

/*
 * Source: learn.microsoft.com/azure/virtual-machines/disk-encryption#automatic-key-rotation-of-customer-managed-keys:
 * with `rotationToLatestKeyVersionEnabled` the platform moves the set to the newest key version
 * within about an hour; after an `autoKeyRotationError` it stops trying until the error is fixed.
 */

/** What the service recorded when it left a rotation to the platform (a ledger action). */
export interface AutoRotationExpectation {
  /** Versioned key URI the set was on. */
  readonly from: string;
  /** Versioned key URI the platform should move it to. */
  readonly to: string;
  /** When the expectation was recorded. */
  readonly at: Date;
}

/** How an auto-rotating set stands against what the service expected of the platform. */
export type AutoRotationVerdict =
  /** Not on the expected `from` version any more (moved, or the key changed): nothing to wait for. */
  | { readonly kind: "moved" }
  /** Still on `from`, within the grace period. */
  | { readonly kind: "waiting"; readonly until: Date }
  /** Still on `from` past the grace period. */
  | { readonly kind: "stalled"; readonly finding: Finding };

/**
 * Judges an auto-rotating disk encryption set against the service's recorded expectation: still on
 * the old version more than `graceMs` after the new one was expected gives a
 * `DesAutoRotationStalled` finding. Pure.
 */
export function judgeAutoRotation(
  resource: ArmResourceJson,
  expectation: AutoRotationExpectation,
  context: { now: Date; graceMs: number; settings: DetectionSettings },
): AutoRotationVerdict {
  const active = keyRefFromUri(stringField(resource, "properties", "activeKey", "keyUrl") ?? "");
  const from = keyRefFromUri(expectation.from);
  if (active === undefined || from === undefined || !sameKeyVersion(active, from)) return { kind: "moved" };
  const until = new Date(expectation.at.getTime() + context.graceMs);
  if (context.now.getTime() <= until.getTime()) return { kind: "waiting", until };
  return { kind: "stalled", finding: stalledFinding(resource, expectation, context) };
}

function hours(ms: number): string {
  const h = ms / 3_600_000;
  return h === 1 ? "an hour" : `${Number.isInteger(h) ? h : h.toFixed(1)} hours`;
}

function stalledFinding(
  resource: ArmResourceJson,
  expectation: AutoRotationExpectation,
  context: { now: Date; graceMs: number; settings: DetectionSettings },
): Finding {
  const name = nameOf(resource.id);
  const group = tryParseResourceId(resource.id)?.resourceGroup ?? "<resource group>";
  const error = field(resource, "properties", "autoKeyRotationError");
  const errorCode = stringField(error, "code");
  const waited = hours(context.now.getTime() - expectation.at.getTime());
  return {
    code: "DesAutoRotationStalled",
    severity: "high",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `Disk encryption set ${name} has not moved to the new key version automatically`,
    body: ticketBody(resource, {
      code: "DesAutoRotationStalled",
      what: `Automatic key rotation is on for this disk encryption set, and since ${expectation.at.toISOString()} (${waited} ago) the service has expected the platform to move it from \`${expectation.from}\` to \`${expectation.to}\`. It is still on the old version${errorCode === undefined ? " and reports no `autoKeyRotationError`" : ` and reports \`autoKeyRotationError\` **${errorCode}**`}.`,
      why: `The platform normally follows a new key version within about an hour (the service waits ${hours(context.graceMs)}). A set that does not follow keeps its disks on the old version; if that version is disabled or expires, disk I/O fails within about an hour and the virtual machines shut down.`,
      steps: [
        "Check the set's `autoKeyRotationError` and `lastKeyRotationTimestamp` in the portal (JSON view) or with `az disk-encryption-set show`.",
        "Check that the set's identity still has get, wrapKey and unwrapKey on the key, that the new version is enabled and not expired, and that the vault firewall allows trusted Microsoft services.",
        `Move the set to the new version once by hand: \`az disk-encryption-set update --name ${name} --resource-group ${group} --key-url ${expectation.to} --source-vault <vault id>\`.`,
      ],
      selfAction: `The service does not move an auto-rotating set itself; it keeps checking at each sweep and resolves this ticket once the set is on a newer version. ${exclusionHint(context.settings)}`,
    }),
  };
}
