/**
 * The Azure emulator: Azure Resource Manager, Key Vault keys (data plane) and Resource Graph served
 * from one tenant file, for tests, benchmarks and the `--tenant` mode of the command line. It stands
 * in for Azure as an oracle, so it imports nothing from the product it tests.
 */
export { AzureEmulator, type EmulatorOptions } from "./azureEmulator.js";
export { startAzurite, azuriteConnectionString, type AzuriteHandle } from "./azurite.js";
export {
  EmulatorCredential,
  anonymousPrincipal,
  principalFromAuthorization,
  type EmulatorIdentity,
} from "./emulatorCredential.js";
export type {
  EmulatorRequest,
  EmulatorResponse,
  Principal,
  RequestContext,
  SurfaceHandler,
} from "./emulatorTypes.js";
export type { FaultRule, InjectedStatus } from "./faults.js";
export { emulatorHttpClient, type EmulatorEndpoint } from "./httpClient.js";
export {
  EmulatorServerError,
  startEmulatorServer,
  type EmulatorServer,
  type EmulatorServerOptions,
} from "./httpsServer.js";
export { createEmulatorCertificates, type EmulatorCertificates } from "./certificate.js";
export { createLoopbackAgent, loopbackPolicy, loopbackPolicyName } from "./loopbackAgent.js";
export { RequestLog, type RequestLogEntry, type RequestLogFilter } from "./requestLog.js";
export { seededRandom } from "./seededRandom.js";
export {
  TenantFileError,
  parseTenantFile,
  readTenantFile,
  type ArmResource,
  type TenantDeletedKey,
  type TenantDeletedVault,
  type TenantFile,
  type TenantKeyVersion,
  type TenantSubscription,
} from "./tenantFile.js";
export { TenantState } from "./tenantState.js";
export { armThrottleDefaults, type ThrottleLimits } from "./throttle.js";
export { applyMergePatch } from "./arm/jsonMergePatch.js";
export { classifyArmPath, pathSegments, type ArmRoute } from "./arm/armRoutes.js";
export { runKql, type KqlResult, type KqlTable } from "./resourceGraph/kql/runKql.js";
export { resourceGraphColumns } from "./resourceGraph/resourceGraphRows.js";
export { ResourceIdError, parseResourceId, type ParsedResourceId } from "./ids/armPath.js";
