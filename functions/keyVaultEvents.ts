import { app } from "@azure/functions";
import { functionsRuntime } from "../src/runtime/functionsRuntime.js";
import { createEventGridHandler } from "./eventGridHandler.js";

/**
 * Key Vault key events (KeyNewVersionCreated, KeyNearExpiry, KeyExpired) from the vaults' Event
 * Grid system topics: one job per consumer of the key is queued, and the event is answered fast.
 */
export const keyVaultEventsHandler = createEventGridHandler(functionsRuntime);

app.eventGrid("keyVaultEvents", { handler: keyVaultEventsHandler });
