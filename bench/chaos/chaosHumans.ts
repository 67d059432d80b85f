import type { AzureEmulator, ArmResource, TenantFile } from "@cmkr/azure-emulator";
import { apiVersionFor } from "../../src/core/consumers/apiVersions.js";

/** A field a person set, and the value the resource must keep until a person changes it again. */
interface HumanField {
  path: readonly string[];
  value: unknown;
}

/** A human-set field that a later write by the service changed back. */
export interface RevertedField {
  resourceId: string;
  field: string;
  expected: unknown;
  found: unknown;
  /** What was checked when it was found (a write's sequence number, or the end of the run). */
  when: string;
}

function valueAt(body: unknown, path: readonly string[]): unknown {
  let v = body;
  for (const p of path)
    v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

function buildPatch(fields: readonly HumanField[]): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const f of fields) {
    let node = patch;
    f.path.forEach((p, i) => {
      if (i === f.path.length - 1) node[p] = f.value;
      else node = (node[p] ??= {}) as Record<string, unknown>;
    });
  }
  return patch;
}

/**
 * The people of a chaos run: they edit resources through ARM with their own token (tags, and on AI
 * services accounts the neighbouring `publicNetworkAccess`), delete and re-create disks, and start and
 * deallocate VMs. Every field they set is remembered, so a write of the service that puts an older
 * value back is caught.
 */
export class ChaosHumans {
  private readonly fields = new Map<string, Map<string, HumanField>>();
  readonly reverted: RevertedField[] = [];
  /** Edits made between one of the service's reads and its conditional write. */
  races = 0;
  edits = 0;
  /**
   * People's writes whose long-running operation ended Failed: the run's planned operation failures
   * match a resource, not a writer, so a person's edit may take one and leave the resource Failed.
   */
  failedOperations = 0;

  constructor(
    private readonly emulator: AzureEmulator,
    private readonly token: () => Promise<string>,
    private readonly initial: TenantFile,
  ) {}

  /**
   * A person's PATCH of a resource: the `chaos-edit` tag, and for AI services accounts the public
   * network access (a setting beside the encryption the service owns).
   */
  async edit(resourceId: string, tag: string, options: { race?: boolean } = {}): Promise<void> {
    const stored = this.emulator.state.getResource(resourceId);
    if (stored === undefined) return;
    const type = stored.body.type;
    const fields: HumanField[] = [{ path: ["tags", "chaos-edit"], value: tag }];
    if (type.toLowerCase() === "microsoft.cognitiveservices/accounts") {
      const current = valueAt(stored.body, ["properties", "publicNetworkAccess"]);
      fields.push({
        path: ["properties", "publicNetworkAccess"],
        value: current === "Disabled" ? "Enabled" : "Disabled",
      });
    }
    const response = await this.emulator.handle({
      method: "PATCH",
      url: new URL(
        `https://management.azure.com${resourceId}?api-version=${apiVersionFor(type) ?? "2024-03-02"}`,
      ),
      headers: { authorization: `Bearer ${await this.token()}`, "content-type": "application/json" },
      body: JSON.stringify(buildPatch(fields)),
    });
    if (response.status >= 300) return;
    // Like a person in the portal, wait for the operation: a write whose operation fails changed nothing.
    if (!(await this.operationSucceeded(response.headers["azure-asyncoperation"]))) return;
    this.edits++;
    if (options.race === true) this.races++;
    const known = this.fields.get(resourceId.toLowerCase()) ?? new Map<string, HumanField>();
    for (const f of fields) known.set(f.path.join("."), f);
    this.fields.set(resourceId.toLowerCase(), known);
  }

  private async operationSucceeded(statusUrl: string | undefined): Promise<boolean> {
    if (statusUrl === undefined) return true;
    for (let poll = 0; poll < 30; poll++) {
      const answer = await this.emulator.handle({
        method: "GET",
        url: new URL(statusUrl),
        headers: { authorization: `Bearer ${await this.token()}` },
      });
      // Throttling and server errors (the run's injected faults) are retried, as a person would.
      if (answer.status === 429 || answer.status >= 500) continue;
      if (answer.status !== 200 || answer.body === undefined) return false;
      const status = (JSON.parse(answer.body) as { status?: unknown }).status;
      if (status === "Failed") this.failedOperations++;
      if (status !== "InProgress") return status === "Succeeded";
    }
    return false;
  }

  /** A person deletes a resource (its remembered fields go with it). */
  delete(resourceId: string): void {
    this.emulator.state.deleteResource(resourceId);
    this.fields.delete(resourceId.toLowerCase());
  }

  /** A person re-creates a deleted resource as it was at the start of the run. */
  recreate(resourceId: string): void {
    const original = this.initial.resources.find((r) => r.id.toLowerCase() === resourceId.toLowerCase());
    if (original === undefined || this.emulator.state.getResource(resourceId) !== undefined) return;
    this.emulator.state.putResource(structuredClone(original));
  }

  /**
   * A person starts or deallocates a VM: its instance view's power state, and the state of the disks it
   * holds (Attached while it runs, Reserved while deallocated; DiskRP `DiskState`).
   */
  setPowerState(vmId: string, powerState: "running" | "deallocated"): void {
    const vm = this.emulator.state.getResource(vmId)?.body;
    if (vm === undefined) return;
    const next = structuredClone(vm) as ArmResource & { properties?: Record<string, unknown> };
    const view = (next.properties?.instanceView ?? { statuses: [] }) as { statuses?: { code?: string }[] };
    const statuses = (view.statuses ?? []).filter((s) => s.code?.startsWith("PowerState/") !== true);
    statuses.push({ code: `PowerState/${powerState}` });
    next.properties = { ...(next.properties ?? {}), instanceView: { ...view, statuses } };
    this.emulator.state.putResource(next);
    const disks = [...this.emulator.state.scanResources()].filter(
      (r) =>
        r.type.toLowerCase() === "microsoft.compute/disks" &&
        typeof r.managedBy === "string" &&
        r.managedBy.toLowerCase() === vmId.toLowerCase(),
    );
    for (const r of disks) {
      const disk = structuredClone(r) as ArmResource & { properties?: Record<string, unknown> };
      disk.properties = {
        ...(disk.properties ?? {}),
        diskState: powerState === "running" ? "Attached" : "Reserved",
      };
      this.emulator.state.putResource(disk);
    }
  }

  /** Records every remembered field of the resource (or of all) that no longer holds the person's value. */
  check(when: string, resourceId?: string): void {
    const ids = resourceId === undefined ? [...this.fields.keys()] : [resourceId.toLowerCase()];
    for (const id of ids) {
      const known = this.fields.get(id);
      const body = this.emulator.state.getResource(id)?.body;
      if (known === undefined || body === undefined) continue;
      for (const [name, f] of known) {
        const found = valueAt(body, f.path);
        if (JSON.stringify(found) !== JSON.stringify(f.value)) {
          this.reverted.push({ resourceId: id, field: name, expected: f.value, found, when });
          // Reported once: from now on the resource's value is the reference.
          known.set(name, { ...f, value: found });
        }
      }
    }
  }
}
