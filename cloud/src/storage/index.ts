export { createPools, connectClient, withClient, withTransaction, type Pools, type PoolSettings, type CreatePoolsOptions } from './pool.js';
export { toDatabaseError, transientReason, isDatabaseUnavailable } from './db-errors.js';
export { migrate, currentVersion, latestVersion, isUpToDate, assertSchemaCurrent, type MigrateOptions, type MigrateResult } from './migrator.js';
export { MIGRATIONS, migrationChecksum, type Migration } from './migrations/index.js';
export {
  ensurePartitions,
  ensurePartitionsForRange,
  forgetKnownPartitions,
  listVitalPartitions,
  partitionName,
  VITAL_DATA_TABLE,
  type EnsurePartitionsOptions,
  type EnsurePartitionsResult,
  type VitalPartition,
} from './partitions.js';
export { utcDay, isoDate, dayStartMs, DAY_MS, type DayInput } from './utc-days.js';
export { startEmbeddedPostgres, type EmbeddedPostgresHandle, type EmbeddedPostgresOptions } from './embedded.js';
export { AdvisoryLock, ADVISORY_NAMESPACE, advisoryXactLockSql, type AdvisoryLockKey } from './advisory-locks.js';
export * from './queries.js';
export type { Logger } from './logger.js';
