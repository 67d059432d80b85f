/**
 * The one builder of tenant files (the emulator's seed format), used by the tests, the benchmarks,
 * the chaos runner and the example tenant: resources in the shapes ARM returns them, with
 * deterministic ids so a tenant is reproducible from its seed. {@link SingleKeyTenant} is a named
 * preset on top of it (one vault, one key, consumers of every type) for rotation tests.
 */
export * from "./tenantBuilder.js";
export { DeterministicIds } from "./deterministicIds.js";
export {
  addBulkConsumers,
  type BulkConsumerKind,
  type BulkConsumers,
  type BulkConsumersOptions,
} from "./bulkConsumers.js";
export {
  SINGLE_KEY,
  SingleKeyTenant,
  type SingleKeyConsumerOptions,
  type SingleKeyTenantOptions,
} from "./presets.js";
export {
  MANAGED_HSM_ROLES,
  type HsmRoleAssignmentOptions,
  type ManagedHsmOptions,
  type ManagedHsmRoleName,
} from "./managedHsm.js";
