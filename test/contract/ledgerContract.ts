import { beforeEach, describe } from "vitest";
import { actionStoreContract } from "./actionStoreContract.js";
import { jobStoreContract } from "./jobStoreContract.js";
import { contractStart, type LedgerFactory, type LedgerUnderTest } from "./ledgerUnderTest.js";
import { lockStoreContract } from "./lockStoreContract.js";
import { operationStoreContract } from "./operationStoreContract.js";
import { planStoreContract } from "./planStoreContract.js";
import { auditTrailContract } from "./auditTrailContract.js";
import { rolloutStoreContract } from "./rolloutStoreContract.js";
import { ticketRequestStoreContract } from "./ticketRequestStoreContract.js";

export type { LedgerFactory } from "./ledgerUnderTest.js";

/**
 * Registers the ledger contract: what every {@link Ledger} implementation must do, method by method,
 * edge by edge, including under concurrent callers. Each case gets a fresh ledger from `factory`
 * and a clock it drives by hand. Run it against every implementation (Table Storage, memory): a
 * test that passes on one passes on the other, so tests may use either.
 */
export function ledgerContract(name: string, factory: LedgerFactory): void {
  describe(`ledger contract: ${name}`, () => {
    let current: LedgerUnderTest | undefined;
    beforeEach(async () => {
      let now = contractStart;
      const ledger = await factory(() => now);
      current = {
        ledger,
        now: () => now,
        advance: (ms) => {
          now += ms;
        },
      };
    });
    const subject = (): LedgerUnderTest => {
      if (current === undefined) throw new Error("no ledger: the contract's beforeEach did not run");
      return current;
    };
    jobStoreContract(subject);
    operationStoreContract(subject);
    actionStoreContract(subject);
    ticketRequestStoreContract(subject);
    lockStoreContract(subject);
    planStoreContract(subject);
    auditTrailContract(subject);
    rolloutStoreContract(subject);
  });
}
