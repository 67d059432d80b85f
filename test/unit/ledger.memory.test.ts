import { createMemoryLedger } from "../../src/adapters/memory/createMemoryLedger.js";
import { ledgerContract } from "../contract/ledgerContract.js";

ledgerContract("memory", (clock) => Promise.resolve(createMemoryLedger(clock)));
