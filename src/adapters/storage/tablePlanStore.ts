import { randomUUID } from "node:crypto";
import type { Plan } from "../../core/plans/plan.js";
import type { PlanStore } from "../../core/ports/planStore.js";
import { isStatus, odataString, type LedgerTable } from "./ledgerTable.js";

/** Characters per part row: a Table string property holds at most 64 KiB (32 K UTF-16 code units). */
const partChars = 30_000;

function partition(planId: string): string {
  return `plan|${planId.toLowerCase()}`;
}

const headRow = "plan";
const partPrefix = (writeId: string): string => `part|${writeId}|`;
const partRow = (writeId: string, n: number): string => `${partPrefix(writeId)}${String(n).padStart(6, "0")}`;

/**
 * {@link PlanStore} in Table Storage: one partition per plan; the plan's JSON text cut into part rows
 * (a plan for a key with thousands of consumers exceeds one property, and one entity's 1 MiB), then a
 * head row naming the write its parts belong to and how many there are. The head is written last, so
 * a plan is readable only once it is whole; a second plan with the same id fails on the head's create
 * (409) and its parts, written under another write id, are never read (they are removed).
 */
export class TablePlanStore implements PlanStore {
  constructor(private readonly ledger: LedgerTable) {}

  async savePlan(plan: Plan): Promise<void> {
    const table = await this.ledger.table();
    const text = JSON.stringify(plan);
    const parts = Math.max(1, Math.ceil(text.length / partChars));
    const writeId = randomUUID();
    for (let n = 0; n < parts; n++) {
      await table.createEntity({
        partitionKey: partition(plan.planId),
        rowKey: partRow(writeId, n),
        kind: "planPart",
        text: text.slice(n * partChars, (n + 1) * partChars),
      });
    }
    try {
      await table.createEntity({
        partitionKey: partition(plan.planId),
        rowKey: headRow,
        kind: "plan",
        planId: plan.planId,
        writeId,
        parts,
        expiresAt: plan.expiresAt,
      });
    } catch (error) {
      for (let n = 0; n < parts; n++) {
        await table.deleteEntity(partition(plan.planId), partRow(writeId, n)).catch(() => undefined);
      }
      throw error;
    }
  }

  async getPlan(planId: string): Promise<Plan | undefined> {
    const table = await this.ledger.table();
    let parts: number;
    let writeId: string;
    try {
      const head = await table.getEntity<{ parts: number; writeId: string }>(partition(planId), headRow);
      parts = head.parts;
      writeId = head.writeId;
    } catch (error) {
      if (isStatus(error, 404)) return undefined;
      throw error;
    }
    const texts: string[] = [];
    for await (const e of table.listEntities<{ text: string }>({
      queryOptions: {
        filter: `PartitionKey eq ${odataString(partition(planId))} and RowKey ge ${odataString(partPrefix(writeId))} and RowKey lt ${odataString(`${partPrefix(writeId)}~`)}`,
        select: ["text"],
      },
    })) {
      texts.push(e.text);
    }
    // Rows list in row-key order, which is part order.
    return JSON.parse(texts.slice(0, parts).join("")) as Plan;
  }
}
