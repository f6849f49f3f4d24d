/**
 * Errors of the cloud service's storage layer (PostgreSQL, migrations, partitions, the
 * embedded cluster). Invalid configuration uses `ConfigError` (WL_CONFIG_INVALID) from
 * `config.ts`, shared with the gateway.
 *
 * Details never carry a connection string with its password, nor patient data.
 */
import { WardlinkError } from './base.js';

/** Why the database could not serve a request; each one is worth retrying later. */
export type DatabaseUnavailableReason =
  | 'connect-failed'
  | 'connection-lost'
  | 'pool-saturated'
  | 'pool-closed'
  | 'server-shutting-down'
  | 'too-many-connections'
  | 'out-of-resources'
  | 'statement-timeout'
  | 'lock-timeout'
  | 'serialization-conflict';

/** Suggested Retry-After per reason, in seconds: a saturated pool frees up quickly, a
 * server that refuses connections (restart, failover) needs longer. */
const RETRY_AFTER_S: Record<DatabaseUnavailableReason, number> = {
  'connect-failed': 5,
  'connection-lost': 2,
  'pool-saturated': 1,
  'pool-closed': 5,
  'server-shutting-down': 5,
  'too-many-connections': 2,
  'out-of-resources': 10,
  'statement-timeout': 2,
  'lock-timeout': 1,
  'serialization-conflict': 1,
};

/**
 * PostgreSQL cannot serve the request right now (down, restarting, overloaded, the pool
 * saturated). Transient by nature: the HTTP layer answers 503 with `Retry-After:
 * retryAfterS`, and the gateway keeps the batch buffered and retries. Never a 500.
 */
export class DatabaseUnavailableError extends WardlinkError {
  readonly reason: DatabaseUnavailableReason;
  readonly retryAfterS: number;

  constructor(reason: DatabaseUnavailableReason, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(
      'WL_DB_UNAVAILABLE',
      `the database is unavailable (${reason}); retry after ${RETRY_AFTER_S[reason]} s, and check PostgreSQL and the pool size if it persists`,
      { reason, retryAfterS: RETRY_AFTER_S[reason], ...detail },
      options,
    );
    this.reason = reason;
    this.retryAfterS = RETRY_AFTER_S[reason];
  }
}

/** A schema migration failed; its transaction was rolled back, earlier ones stay applied. */
export class MigrationError extends WardlinkError {
  constructor(version: number, name: string, reason: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(
      'WL_MIGRATION_FAILED',
      `migration ${version} (${name}) failed: ${reason}; nothing of it was applied, fix the cause and run "wardlink-cloud migrate" again`,
      { version, name, ...detail },
      options,
    );
  }
}

/** The database schema is not the version this build expects (migrations pending, or
 * the database was migrated by a newer build). */
export class SchemaNotCurrentError extends WardlinkError {
  constructor(currentVersion: number, expectedVersion: number) {
    const hint =
      currentVersion < expectedVersion
        ? 'run "wardlink-cloud migrate"'
        : 'this build is older than the schema; deploy the newer build';
    super('WL_SCHEMA_NOT_CURRENT', `the database schema is at version ${currentVersion}, this build expects ${expectedVersion}; ${hint}`, {
      currentVersion,
      expectedVersion,
    });
  }
}

/** A vital_data partition could not be created or would clash with an existing table. */
export class PartitionError extends WardlinkError {
  constructor(partition: string, reason: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('WL_PARTITION_FAILED', `partition ${partition}: ${reason}`, { partition, ...detail }, options);
  }
}

/** The embedded PostgreSQL (used without DATABASE_URL) could not be set up, started or stopped. */
export class EmbeddedPostgresError extends WardlinkError {
  constructor(step: 'prepare' | 'initialise' | 'start' | 'stop' | 'create-database', reason: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(
      'WL_EMBEDDED_PG_FAILED',
      `embedded PostgreSQL failed to ${step.replace('-', ' ')}: ${reason}; fix it, or set DATABASE_URL to use an external PostgreSQL`,
      { step, ...detail },
      options,
    );
  }
}

/** Every cloud storage error code, for metric labels and docs. */
export const CLOUD_STORAGE_ERROR_CODES = [
  'WL_DB_UNAVAILABLE',
  'WL_MIGRATION_FAILED',
  'WL_SCHEMA_NOT_CURRENT',
  'WL_PARTITION_FAILED',
  'WL_EMBEDDED_PG_FAILED',
] as const;
