import type { ResourceModule } from "../resourceModule.js";
import { evaluateDisk } from "./diskFindings.js";

/** Managed disks (`Microsoft.Compute/disks`): judged, and in enforce mode given a disk encryption set. */
export const managedDiskModule: ResourceModule = {
  resourceType: "Microsoft.Compute/disks",
  displayName: "managed disk",
  apiVersion: "2024-03-02",
  evaluate: evaluateDisk,
};
