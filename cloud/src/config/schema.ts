/**
 * The cloud service's configuration: its shape, and for every setting the environment
 * variable that can set it, its default and its rule. Units are in the names.
 *
 * Precedence, highest first, as in the gateway: explicit overrides (CLI flags) → the
 * environment → the JSON config file → the defaults below. `resolve.ts` applies it; nothing else reads
 * `process.env` for these settings.
 */
import { boolRule, hostRule, intRule, logLevelRule, cronRule, pathRule, postgresUrlRule, serviceRoleRule, type Rule, type ServiceRole } from './rules.js';
import { archiveStoreRule, s3BucketRule, s3EndpointRule, s3PrefixRule, tokenRule, type ArchiveStoreKind } from './archive-rules.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface ServerConfig {
  /** What this instance answers: all routes, only the gateways' (ingest) or only the
   * read API, streams and FHIR (read); docs/cloud-api.md, "Instance roles". */
  readonly role: ServiceRole;
  readonly host: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** Largest accepted request body (compressed batch); larger gets 413. */
  readonly bodyLimitBytes: number;
  /** Largest number of decoded readings in one batch. */
  readonly maxReadingsPerBatch: number;
  /** Per-gateway token bucket: sustained rate and bucket size. A catching-up gateway
   * needs far more than its live 1,200 readings/s, so the default allows a fast drain. */
  readonly rateLimitReadingsPerS: number;
  readonly rateLimitBurstReadings: number;
  /** How long `serve` waits for in-flight requests on shutdown. */
  readonly shutdownGraceMs: number;
  /** Longest time range one history request may ask for (each day is one partition
   * to scan); longer is 400 WL_API_RANGE_TOO_LONG. */
  readonly historyMaxDays: number;
  /** Most readings one history response streams; past it the answer ends with
   * `truncated: true` and the time to continue from. */
  readonly historyMaxRows: number;
  /** Server-Sent Event streams (GET /v1/hospitals/{h}/stream) one instance serves at once; 503 beyond. */
  readonly maxStreams: number;
  /** Streams of one hospital on one instance, so one hospital cannot take every slot; 503 beyond. */
  readonly maxStreamsPerHospital: number;
  /** Hospitals whose latest vitals the read routes keep in memory (LRU); 0 (the default) turns the cache off. */
  readonly latestCacheMaxHospitals: number;
  /** PEM certificate and key: serve HTTPS. Without them the service serves plain HTTP, only
   * on loopback unless `behindTlsProxy` says a TLS proxy in front terminates it. */
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly behindTlsProxy: boolean;
  /** A batch with a reading time further ahead of the server clock than this is refused
   * (422 WL_API_READING_TIME_OUT_OF_BOUNDS), and so is one older than the hot period. */
  readonly readingMaxFutureMs: number;
  /** A stream client this many bytes behind is dropped, so a slow client never grows memory. */
  readonly streamMaxQueuedBytes: number;
}

export interface DatabaseConfig {
  /** The primary's connection string. SECRET (may hold a password): non-enumerable, so
   * it never reaches JSON or a log. Absent: `serve` starts embedded PostgreSQL. */
  readonly url: string | undefined;
  /** A read replica for dashboards, history and reports. SECRET, non-enumerable.
   * Absent: reads go to the primary. */
  readonly replicaUrl: string | undefined;
  readonly poolMax: number;
  /** Without a replica: the reads' own pool on the primary, apart from ingest's. */
  readonly readPoolMax: number;
  readonly replicaPoolMax: number;
  /** Reads go to the primary while the replica's replay lag is above this (docs/replica.md). */
  readonly replicaMaxLagMs: number;
  /** How often the replica's health and lag are checked; a down replica is retried as often. */
  readonly replicaCheckIntervalMs: number;
  /** false: reads stay on the replica even when it is down or lagging (503 rather than
   * load on the primary, for a primary that must be kept for ingest). */
  readonly replicaFallbackToPrimary: boolean;
  /** Server-side statement_timeout for every pooled connection. */
  readonly statementTimeoutMs: number;
  /** An idle pooled connection is closed after this long. */
  readonly idleTimeoutMs: number;
  /** Waiting longer than this for a connection (server down or pool saturated) fails
   * the request with WL_DB_UNAVAILABLE, which becomes 503 + Retry-After. */
  readonly connectionTimeoutMs: number;
  /** lock_timeout for DDL the service runs while ingest continues (partition creation),
   * so it never queues behind a long query and stalls inserts. */
  readonly ddlLockTimeoutMs: number;
  /** Port of the embedded PostgreSQL; 0 picks a free one at each start. */
  readonly embeddedPort: number;
  /** On a Citus coordinator: shards per colocation group when `migrate` first distributes
   * the schema (docs/scaling.md, "Shard count"). Ignored on plain PostgreSQL, and once
   * the tables are distributed (changing it later takes a resharding, not a restart). */
  readonly citusShardCount: number;
}

export interface RetentionConfig {
  /** Defaults for hospitals without their own policy. */
  readonly hotDays: number;
  readonly archiveYears: number;
  /** Daily partitions are created this many days ahead. */
  readonly partitionPremakeDays: number;
  /** node-cron expression for partition maintenance, compaction and retention. */
  readonly maintenanceCron: string;
  /** An hour of readings is compacted into blocks once it ended this many minutes ago;
   * readings arriving later still are merged into their block by the next run. */
  readonly compactAfterMinutes: number;
  /** The local archive folder (Parquet + manifests); default `<dataDir>/archive`. */
  readonly archiveDir?: string;
}

/** Where archived Parquet objects live: the local folder (retention.archiveDir) or an
 * S3-compatible bucket (docs/lifecycle.md, "S3 archive store"). */
export interface ArchiveConfig {
  readonly store: ArchiveStoreKind;
  /** http(s):// of an S3-compatible service; absent: AWS's endpoint for the region. */
  readonly s3Endpoint?: string;
  readonly s3Bucket?: string;
  readonly s3Region: string;
  /** Prepended to every object key, e.g. "wardlink/prod/"; "" for none. */
  readonly s3Prefix: string;
  /** SECRET, non-enumerable. Absent (both): the AWS SDK's default credential chain. */
  readonly s3AccessKeyId: string | undefined;
  /** SECRET, non-enumerable. */
  readonly s3SecretAccessKey: string | undefined;
  /** Bucket in the path (http://host/bucket/key), as MinIO and most local servers need. */
  readonly s3ForcePathStyle: boolean;
  /** Objects larger than this are uploaded in parts of this size (S3's minimum is 5 MiB). */
  readonly s3PartSizeBytes: number;
  /** One S3 request (a part, a GET's headers, a LIST page) fails after this long. */
  readonly s3RequestTimeoutMs: number;
  /** Local cache of objects the history reads from the bucket; default `<dataDir>/archive-cache`. */
  readonly s3ReadCacheDir?: string;
  /** Bound of that cache (least recently used first out); 0: no cache, a download per read. */
  readonly s3ReadCacheMaxBytes: number;
}

export interface CapacityConfig {
  /** Size of the database volume, for the fill-date projection; 0 = unknown. */
  readonly dbVolumeBytes: number;
  /** Log an alert when projected use passes this percentage of the volume. */
  readonly alertThresholdPct: number;
}

export interface CloudConfig {
  /** Absolute path of the service's data folder (embedded PostgreSQL lives in `<dataDir>/pg`). */
  readonly dataDir: string;
  readonly server: ServerConfig;
  readonly database: DatabaseConfig;
  readonly retention: RetentionConfig;
  readonly capacity: CapacityConfig;
  readonly archive: ArchiveConfig;
  readonly log: { readonly level: LogLevel };
}

export interface SettingSpec {
  /** Dotted path in CloudConfig and in the config file. */
  readonly path: string;
  readonly env?: string;
  readonly default?: unknown;
  readonly rule: Rule;
  /** Secrets are non-enumerable in the resolved config and redacted by redactConfig. */
  readonly secret?: boolean;
}

const MS_PER_HOUR = 3_600_000;

export const SETTINGS: readonly SettingSpec[] = [
  { path: 'dataDir', env: 'WARDLINK_DATA_DIR', default: './.wardlink/cloud', rule: pathRule },
  { path: 'server.role', env: 'WARDLINK_CLOUD_ROLE', default: 'all', rule: serviceRoleRule },
  { path: 'server.host', env: 'WARDLINK_CLOUD_HOST', default: '127.0.0.1', rule: hostRule },
  { path: 'server.port', env: 'WARDLINK_CLOUD_PORT', default: 8080, rule: intRule(0, 65_535) },
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
  { path: 'server.tlsCertFile', env: 'WARDLINK_TLS_CERT_FILE', rule: pathRule },
  { path: 'server.tlsKeyFile', env: 'WARDLINK_TLS_KEY_FILE', rule: pathRule },
  { path: 'server.behindTlsProxy', env: 'WARDLINK_BEHIND_TLS_PROXY', default: false, rule: boolRule },
  { path: 'server.readingMaxFutureMs', env: 'WARDLINK_READING_MAX_FUTURE_MS', default: MS_PER_HOUR, rule: intRule(60_000, 7 * 24 * MS_PER_HOUR) },
  { path: 'server.streamMaxQueuedBytes', env: 'WARDLINK_STREAM_MAX_QUEUED_BYTES', default: 1024 * 1024, rule: intRule(4096, 256 * 1024 * 1024) },
  { path: 'database.url', env: 'DATABASE_URL', rule: postgresUrlRule, secret: true },
  { path: 'database.replicaUrl', env: 'DATABASE_REPLICA_URL', rule: postgresUrlRule, secret: true },
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
  { path: 'retention.maintenanceCron', env: 'WARDLINK_MAINTENANCE_CRON', default: '17 * * * *', rule: cronRule },
  { path: 'retention.archiveDir', env: 'WARDLINK_ARCHIVE_DIR', rule: pathRule },
  { path: 'archive.store', env: 'WARDLINK_ARCHIVE_STORE', default: 'folder', rule: archiveStoreRule },
  { path: 'archive.s3Endpoint', env: 'WARDLINK_ARCHIVE_S3_ENDPOINT', rule: s3EndpointRule },
  { path: 'archive.s3Bucket', env: 'WARDLINK_ARCHIVE_S3_BUCKET', rule: s3BucketRule },
  { path: 'archive.s3Region', env: 'WARDLINK_ARCHIVE_S3_REGION', default: 'us-east-1', rule: tokenRule('an S3 region such as eu-west-1') },
  { path: 'archive.s3Prefix', env: 'WARDLINK_ARCHIVE_S3_PREFIX', default: '', rule: s3PrefixRule },
  { path: 'archive.s3AccessKeyId', env: 'WARDLINK_ARCHIVE_S3_ACCESS_KEY_ID', rule: tokenRule('an access key id', true), secret: true },
  { path: 'archive.s3SecretAccessKey', env: 'WARDLINK_ARCHIVE_S3_SECRET_ACCESS_KEY', rule: tokenRule('a secret access key', true), secret: true },
  { path: 'archive.s3ForcePathStyle', env: 'WARDLINK_ARCHIVE_S3_FORCE_PATH_STYLE', default: false, rule: boolRule },
  { path: 'archive.s3PartSizeBytes', env: 'WARDLINK_ARCHIVE_S3_PART_SIZE_BYTES', default: 16 * 1024 * 1024, rule: intRule(5 * 1024 * 1024, 5 * 1024 * 1024 * 1024) },
  { path: 'archive.s3RequestTimeoutMs', env: 'WARDLINK_ARCHIVE_S3_REQUEST_TIMEOUT_MS', default: 60_000, rule: intRule(1_000, MS_PER_HOUR) },
  { path: 'archive.s3ReadCacheDir', env: 'WARDLINK_ARCHIVE_S3_READ_CACHE_DIR', rule: pathRule },
  { path: 'archive.s3ReadCacheMaxBytes', env: 'WARDLINK_ARCHIVE_S3_READ_CACHE_MAX_BYTES', default: 2 * 1024 * 1024 * 1024, rule: intRule(0, Number.MAX_SAFE_INTEGER) },
  { path: 'capacity.dbVolumeBytes', env: 'WARDLINK_DB_VOLUME_BYTES', default: 0, rule: intRule(0, Number.MAX_SAFE_INTEGER) },
  { path: 'capacity.alertThresholdPct', env: 'WARDLINK_CAPACITY_ALERT_PCT', default: 80, rule: intRule(1, 100) },
  { path: 'log.level', env: 'LOG_LEVEL', default: 'info', rule: logLevelRule },
];

/** The environment variable naming the JSON config file, when no path is passed. */
export const CONFIG_FILE_ENV = 'WARDLINK_CLOUD_CONFIG';
