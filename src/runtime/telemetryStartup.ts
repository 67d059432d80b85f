import { startTelemetry } from "./startTelemetry.js";

/**
 * Imported first by every function entry point, so telemetry is running before the Functions host
 * sees a registration and before any SDK is loaded, whichever entry point the host loads first.
 */
await startTelemetry();
