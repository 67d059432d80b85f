/**
 * The one builder of tenant files (the emulator's seed format), used by the tests, the benchmarks,
 * the chaos runner and the example tenant: resources in the shapes ARM returns them, with
 * deterministic ids so a tenant is reproducible from its seed.
 */
export * from "./tenantBuilder.js";
export { DeterministicIds } from "./deterministicIds.js";
export {
  addBulkConsumers,
  type BulkConsumerKind,
  type BulkConsumers,
  type BulkConsumersOptions,
} from "./bulkConsumers.js";
