/**
 * The shape of the cloud service's resolved configuration, as the code reads it. Every key
 * is an entry of the settings table (settings.ts), which says where it can be set, its
 * rule and its default; units are in the names.
 */
import type { ArchiveStoreKind } from './archive-rules.js';
import type { ServiceRole } from './rules.js';

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
  /** Compaction units (one patient's closed hours each) run at once, each on its own
   * connection. 1 leaves ingest a core: more finish sooner but stall ingest longer. */
  readonly compactionConcurrency: number;
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
