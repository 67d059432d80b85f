import { stringField, type ArmResourceJson } from "../arm/armResource.js";
import type { WriteRestriction } from "./writeRestriction.js";

/**
 * No write while the resource's last operation is unfinished or failed. Source: ARM RPC
 * (Azure/azure-resource-manager-rpc v1.0 Addendum.md, docs/restrictions.md S34): "The
 * provisioningState field has three terminal states: Succeeded, Failed and Canceled", and a provider
 * may answer 409 to a write while another operation runs. Every state but `Succeeded` holds the write
 * back and the job is retried a bounded number of times: a running operation ends by itself, while
 * after `Failed` or `Canceled` the retries run out and the job's ticket asks a person to look (the
 * service never writes over a failed operation). An absent state is taken as settled (types whose GET
 * carries none).
 */
export function provisioningStateProof(resource: ArmResourceJson, label: string): WriteRestriction[] {
  const state = stringField(resource, "properties", "provisioningState");
  if (state === undefined || state.toLowerCase() === "succeeded") return [];
  const terminal = ["failed", "canceled", "cancelled"].includes(state.toLowerCase());
  return [
    {
      code: "ResourceNotSucceeded",
      message: terminal
        ? `the ${label}'s last operation ended ${state}; the service does not write over a failed operation: find out why in its activity log and correct it`
        : `the ${label} is still ${state}; the write waits until its current operation ends`,
      transient: true,
    },
  ];
}
