import { randomUUID } from "node:crypto";
import { inject } from "vitest";
import { createTableClient } from "../../src/adapters/storage/storageClients.js";
import { createTableLedger } from "../../src/adapters/storage/tableLedger.js";
import { ledgerContract } from "../contract/ledgerContract.js";

// A table per case, so every case starts from an empty ledger.
ledgerContract("Table Storage (Azurite)", (clock) =>
  Promise.resolve(
    createTableLedger(
      createTableClient(
        { connectionString: inject("azuriteConnectionString") },
        `contract${randomUUID().replace(/-/g, "").slice(0, 16)}`,
      ),
      clock,
    ),
  ),
);
