/**
 * Every cloud setting, one entry each: its key in the config file (and path in the
 * resolved CloudConfig), its environment variable and `serve` flag if any, its rule (type
 * and bounds), its default, and whether it is a secret. Units are in the names.
 *
 * Precedence, highest first, the same for both daemons: command-line flags, the
 * environment, the config file, the defaults below. The shared resolver applies it
 * (resolve.ts); nothing else reads the environment for these settings. Entries are in the
 * order of the resolved object. An entry without a default is optional: unset, its key is
 * absent from the resolved config.
 *
 * Flags are options of `serve` (cli/commands/serve.ts registers them from here), for what
 * an operator changes for one instance: where it listens and what it answers. A secret
 * never has one: a flag is visible to every user in `ps`.
 */
import type { Setting, SettingsTable } from '@wardlink/shared';
import { archiveStoreRule, s3BucketRule, s3EndpointRule, s3PrefixRule, tokenRule } from './archive-rules.js';
import { boolRule, cronRule, hostRule, intRule, logLevelRule, pathRule, postgresUrlRule, serviceRoleRule } from './rules.js';

const MS_PER_HOUR = 3_600_000;

export const SETTINGS: readonly Setting[] = [
  { path: 'dataDir', env: 'WARDLINK_DATA_DIR', default: './.wardlink/cloud', rule: pathRule },
  { path: 'server.role', env: 'WARDLINK_CLOUD_ROLE', flag: '--role', default: 'all', rule: serviceRoleRule },
  { path: 'server.host', env: 'WARDLINK_CLOUD_HOST', flag: '--host', default: '127.0.0.1', rule: hostRule },
  { path: 'server.port', env: 'WARDLINK_CLOUD_PORT', flag: '--port', default: 8080, rule: intRule(0, 65_535) },
  { path: 'server.bodyLimitBytes', env: 'WARDLINK_BODY_LIMIT_BYTES', default: 8 * 1024 * 1024, rule: intRule(1024, 512 * 1024 * 1024) },
  { path: 'server.maxReadingsPerBatch', env: 'WARDLINK_MAX_READINGS_PER_BATCH', default: 100_000, rule: intRule(1, 10_000_000) },
  { path: 'server.rateLimitReadingsPerS', env: 'WARDLINK_RATE_LIMIT_READINGS_PER_S', default: 200_000, rule: intRule(1, 100_000_000) },
  { path: 'server.rateLimitBurstReadings', env: 'WARDLINK_RATE_LIMIT_BURST_READINGS', default: 400_000, rule: intRule(1, 1_000_000_000) },
  { path: 'server.shutdownGraceMs', env: 'WARDLINK_SHUTDOWN_GRACE_MS', default: 10_000, rule: intRule(0, MS_PER_HOUR) },
  { path: 'server.historyMaxDays', env: 'WARDLINK_HISTORY_MAX_DAYS', default: 31, rule: intRule(1, 366) },
  { path: 'server.historyMaxRows', env: 'WARDLINK_HISTORY_MAX_ROWS', default: 500_000, rule: intRule(1, 100_000_000) },
  { path: 'server.maxStreams', env: 'WARDLINK_MAX_STREAMS', default: 500, rule: intRule(1, 100_000) },
  { path: 'server.maxStreamsPerHospital', env: 'WARDLINK_MAX_STREAMS_PER_HOSPITAL', default: 100, rule: intRule(1, 100_000) },
  { path: 'server.latestCacheMaxHospitals', env: 'WARDLINK_LATEST_CACHE_MAX_HOSPITALS', default: 8, rule: intRule(0, 100_000) },
  { path: 'server.tlsCertFile', env: 'WARDLINK_TLS_CERT_FILE', optional: true, rule: pathRule },
  { path: 'server.tlsKeyFile', env: 'WARDLINK_TLS_KEY_FILE', optional: true, rule: pathRule },
  { path: 'server.behindTlsProxy', env: 'WARDLINK_BEHIND_TLS_PROXY', default: false, rule: boolRule },
  { path: 'server.readingMaxFutureMs', env: 'WARDLINK_READING_MAX_FUTURE_MS', default: MS_PER_HOUR, rule: intRule(60_000, 7 * 24 * MS_PER_HOUR) },
  { path: 'server.streamMaxQueuedBytes', env: 'WARDLINK_STREAM_MAX_QUEUED_BYTES', default: 1024 * 1024, rule: intRule(4096, 256 * 1024 * 1024) },
  { path: 'database.url', env: 'DATABASE_URL', optional: true, rule: postgresUrlRule, secret: true },
  { path: 'database.replicaUrl', env: 'DATABASE_REPLICA_URL', optional: true, rule: postgresUrlRule, secret: true },
  { path: 'database.poolMax', env: 'PG_POOL_MAX', default: 20, rule: intRule(1, 1000) },
  { path: 'database.readPoolMax', env: 'PG_READ_POOL_MAX', default: 8, rule: intRule(1, 1000) },
  { path: 'database.replicaPoolMax', env: 'PG_REPLICA_POOL_MAX', default: 20, rule: intRule(1, 1000) },
  { path: 'database.replicaMaxLagMs', env: 'PG_REPLICA_MAX_LAG_MS', default: 30_000, rule: intRule(0, 24 * MS_PER_HOUR) },
  { path: 'database.replicaCheckIntervalMs', env: 'PG_REPLICA_CHECK_INTERVAL_MS', default: 1_000, rule: intRule(100, 600_000) },
  { path: 'database.replicaFallbackToPrimary', env: 'PG_REPLICA_FALLBACK_TO_PRIMARY', default: true, rule: boolRule },
  { path: 'database.statementTimeoutMs', env: 'PG_STATEMENT_TIMEOUT_MS', default: 30_000, rule: intRule(100, MS_PER_HOUR) },
  { path: 'database.idleTimeoutMs', env: 'PG_IDLE_TIMEOUT_MS', default: 30_000, rule: intRule(100, MS_PER_HOUR) },
  { path: 'database.connectionTimeoutMs', env: 'PG_CONNECTION_TIMEOUT_MS', default: 5_000, rule: intRule(100, 600_000) },
  { path: 'database.ddlLockTimeoutMs', env: 'PG_DDL_LOCK_TIMEOUT_MS', default: 2_000, rule: intRule(10, 600_000) },
  { path: 'database.embeddedPort', env: 'WARDLINK_EMBEDDED_PG_PORT', default: 0, rule: intRule(0, 65_535) },
  { path: 'database.citusShardCount', env: 'WARDLINK_CITUS_SHARD_COUNT', default: 32, rule: intRule(1, 4_096) },
  { path: 'retention.hotDays', env: 'WARDLINK_HOT_DAYS', default: 90, rule: intRule(1, 3650) },
  { path: 'retention.archiveYears', env: 'WARDLINK_ARCHIVE_YEARS', default: 7, rule: intRule(0, 100) },
  { path: 'retention.partitionPremakeDays', env: 'WARDLINK_PARTITION_PREMAKE_DAYS', default: 14, rule: intRule(1, 366) },
  { path: 'retention.compactAfterMinutes', env: 'WARDLINK_COMPACT_AFTER_MINUTES', default: 10, rule: intRule(0, 10_080) },
  { path: 'retention.compactionConcurrency', env: 'WARDLINK_COMPACTION_CONCURRENCY', default: 1, rule: intRule(1, 16) },
  { path: 'retention.maintenanceCron', env: 'WARDLINK_MAINTENANCE_CRON', default: '17 * * * *', rule: cronRule },
  { path: 'retention.archiveDir', env: 'WARDLINK_ARCHIVE_DIR', optional: true, rule: pathRule },
  { path: 'archive.store', env: 'WARDLINK_ARCHIVE_STORE', default: 'folder', rule: archiveStoreRule },
  { path: 'archive.s3Endpoint', env: 'WARDLINK_ARCHIVE_S3_ENDPOINT', optional: true, rule: s3EndpointRule },
  { path: 'archive.s3Bucket', env: 'WARDLINK_ARCHIVE_S3_BUCKET', optional: true, rule: s3BucketRule },
  { path: 'archive.s3Region', env: 'WARDLINK_ARCHIVE_S3_REGION', default: 'us-east-1', rule: tokenRule('an S3 region such as eu-west-1') },
  { path: 'archive.s3Prefix', env: 'WARDLINK_ARCHIVE_S3_PREFIX', default: '', rule: s3PrefixRule },
  { path: 'archive.s3AccessKeyId', env: 'WARDLINK_ARCHIVE_S3_ACCESS_KEY_ID', optional: true, rule: tokenRule('an access key id', true), secret: true },
  { path: 'archive.s3SecretAccessKey', env: 'WARDLINK_ARCHIVE_S3_SECRET_ACCESS_KEY', optional: true, rule: tokenRule('a secret access key', true), secret: true },
  { path: 'archive.s3ForcePathStyle', env: 'WARDLINK_ARCHIVE_S3_FORCE_PATH_STYLE', default: false, rule: boolRule },
  { path: 'archive.s3PartSizeBytes', env: 'WARDLINK_ARCHIVE_S3_PART_SIZE_BYTES', default: 16 * 1024 * 1024, rule: intRule(5 * 1024 * 1024, 5 * 1024 * 1024 * 1024) },
  { path: 'archive.s3RequestTimeoutMs', env: 'WARDLINK_ARCHIVE_S3_REQUEST_TIMEOUT_MS', default: 60_000, rule: intRule(1_000, MS_PER_HOUR) },
  { path: 'archive.s3ReadCacheDir', env: 'WARDLINK_ARCHIVE_S3_READ_CACHE_DIR', optional: true, rule: pathRule },
  { path: 'archive.s3ReadCacheMaxBytes', env: 'WARDLINK_ARCHIVE_S3_READ_CACHE_MAX_BYTES', default: 2 * 1024 * 1024 * 1024, rule: intRule(0, Number.MAX_SAFE_INTEGER) },
  { path: 'capacity.dbVolumeBytes', env: 'WARDLINK_DB_VOLUME_BYTES', default: 0, rule: intRule(0, Number.MAX_SAFE_INTEGER) },
  { path: 'capacity.alertThresholdPct', env: 'WARDLINK_CAPACITY_ALERT_PCT', default: 80, rule: intRule(1, 100) },
  { path: 'log.level', env: 'LOG_LEVEL', default: 'info', rule: logLevelRule },
];

export const CLOUD_SETTINGS: SettingsTable = { settings: SETTINGS };

/** The environment variable naming the JSON config file, when no path is passed. */
export const CONFIG_FILE_ENV = 'WARDLINK_CLOUD_CONFIG';
