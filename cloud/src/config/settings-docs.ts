/**
 * One line per cloud setting for the configuration reference (docs/cloud-config.md,
 * `pnpm config-docs`), kept here rather than in settings.ts so the table stays a table.
 * Each line says what the code that reads the key does with it. A test fails when a
 * setting has no line, so a new key is documented with it.
 */
import { settingsReference, type SettingDoc, type SettingsReference } from '@wardlink/shared';
import { CLOUD_SETTINGS, CONFIG_FILE_ENV } from './settings.js';

export const CLOUD_SETTINGS_DOCS_FILE = 'cloud/src/config/settings-docs.ts';

export const CLOUD_SETTING_DOCS: Readonly<Record<string, string | SettingDoc>> = {
  dataDir: "The service's data folder: the embedded PostgreSQL (`<dataDir>/pg`), its password file, the running `serve`'s runtime file, the default archive folder.",

  'server.role':
    "What this instance answers: `all` every route; `ingest` the gateways' `POST /v1/batches` and `POST /v1/gateways/status`; `read` the read API, the SSE streams and FHIR. Every role serves /healthz, /readyz and /metrics; any other route is 421 WL_API_WRONG_ROLE. Read instances beside ingest instances on one database keep reads off the event loop that decodes batches (docs/cloud-api.md, \"Instance roles\").",
  'server.host': 'Address the HTTP API listens on; off loopback it needs server.tlsCertFile and server.tlsKeyFile, or server.behindTlsProxy.',
  'server.port': 'Port of the HTTP API; 0 picks a free port.',
  'server.bodyLimitBytes': 'Largest accepted request body (a compressed batch); larger gets 413.',
  'server.maxReadingsPerBatch': 'Most decoded readings in one batch.',
  'server.rateLimitReadingsPerS': "Per-gateway token bucket: sustained rate. A gateway catching up needs far more than its live rate, so the default allows a fast drain.",
  'server.rateLimitBurstReadings': 'Per-gateway token bucket: its size; at least server.maxReadingsPerBatch.',
  'server.shutdownGraceMs': 'How long `serve` waits for in-flight requests on shutdown.',
  'server.historyMaxDays': 'Longest time range one history request may ask for; longer is 400 WL_API_RANGE_TOO_LONG.',
  'server.historyMaxRows': 'Most readings one history response streams; past it the answer ends with `truncated: true` and the time to continue from.',
  'server.maxStreams': 'Server-sent event streams one instance serves at once; 503 beyond.',
  'server.maxStreamsPerHospital': "Streams of one hospital on one instance, so one hospital cannot take every slot; 503 beyond.",
  'server.latestCacheMaxHospitals': 'Hospitals whose latest vitals one instance keeps in memory for the latest and dashboard routes (least recently read dropped first; ~65,000 rows per 5,000-bed hospital), kept current by the LISTEN notifications; whenever in doubt the database answers. A renamed patient or a gateway moved to another ward shows the old name or ward for up to 60 s. 0 turns the cache off: every read queries the database.',
  'server.tlsCertFile': 'PEM certificate: serve HTTPS (set with server.tlsKeyFile).',
  'server.tlsKeyFile': 'PEM private key of that certificate.',
  'server.behindTlsProxy': 'A TLS proxy in front terminates TLS, so plain HTTP off loopback is allowed.',
  'server.readingMaxFutureMs': 'A batch with a reading further ahead of the server clock than this is refused (422 WL_API_READING_TIME_OUT_OF_BOUNDS).',
  'server.streamMaxQueuedBytes': 'A stream client this many bytes behind is dropped, so a slow client never grows memory.',

  'database.url': { text: "The primary's connection string; unset, `serve` starts an embedded PostgreSQL in `<dataDir>/pg`.", default: 'unset (embedded PostgreSQL)' },
  'database.replicaUrl': { text: 'A read replica for dashboards, history and reports; unset, reads go to the primary.', default: 'unset (the primary)' },
  'database.poolMax': 'Connections in the pool to the primary at most.',
  'database.readPoolMax': 'Without a replica: connections at most in the reads\' own pool on the primary, apart from ingest\'s pool (database.poolMax), so reads never wait behind ingest for a connection.',
  'database.replicaPoolMax': 'Connections in the pool to the replica at most.',
  'database.replicaMaxLagMs': "Reads go to the primary while the replica's replay lag is above this.",
  'database.replicaCheckIntervalMs': "How often the replica's health and lag are checked; a down replica is retried as often.",
  'database.replicaFallbackToPrimary': 'Reads go to the primary while the replica is down or lagging; false keeps them on the replica (503 rather than load on the primary).',
  'database.statementTimeoutMs': 'Server-side `statement_timeout` of every pooled connection.',
  'database.idleTimeoutMs': 'An idle pooled connection is closed after this long.',
  'database.connectionTimeoutMs': 'Waiting longer than this for a connection fails the request with WL_DB_UNAVAILABLE (503 + Retry-After).',
  'database.ddlLockTimeoutMs': '`lock_timeout` of the DDL run while ingest continues (partition creation), so it never queues behind a long query and stalls inserts.',
  'database.embeddedPort': 'Port of the embedded PostgreSQL (127.0.0.1 only); 0 picks a free one at each start.',
  'database.citusShardCount': 'On a Citus coordinator: shards per colocation group when `migrate` first distributes the schema (docs/scaling.md); ignored on plain PostgreSQL and once distributed.',

  'retention.hotDays': 'Days of readings kept hot in PostgreSQL, for code paths with no hospital row (each hospital has its own policy, default 90).',
  'retention.archiveYears': 'Years an archived day is kept, for code paths with no hospital row (each hospital has its own policy, default 7).',
  'retention.partitionPremakeDays': 'Daily partitions are created this many days ahead.',
  'retention.compactAfterMinutes': 'An hour of readings is compacted into blocks once it ended this many minutes ago.',
  'retention.compactionConcurrency': 'Compaction units (one patient\'s closed hours each) run at once, each holding a connection of the primary pool (at most half of database.poolMax). 1 leaves ingest its share of the CPU; more finish the hourly run sooner but stall ingest longer (pnpm bench compaction on 2 cores: 1 unit kept the longest ingest stall at 103-222 ms, 2 units 275-382 ms, for up to 25% more throughput).',
  'retention.maintenanceCron': 'Schedule (node-cron, UTC) of partition maintenance, compaction and retention.',
  'retention.archiveDir': { text: 'The local archive folder (Parquet files and manifests).', default: '`<dataDir>/archive`' },

  'archive.store': {
    text: 'Where archived Parquet objects live: `folder` (retention.archiveDir) or `s3` (an S3-compatible bucket, archive.s3*).',
    type: 'text, one of `folder`, `s3`',
  },
  'archive.s3Endpoint': {
    text: 'URL of an S3-compatible service, without credentials; unset: AWS\'s endpoint for archive.s3Region.',
    type: 'URL, http: or https:',
  },
  'archive.s3Bucket': { text: 'The bucket; required when archive.store is `s3`.', type: 'S3 bucket name (3 to 63 lowercase letters, digits, dots, hyphens)' },
  'archive.s3Region': { text: 'The bucket\'s region.', type: 'non-empty text without spaces' },
  'archive.s3Prefix': { text: 'Prepended to every object key (e.g. `wardlink/prod/`); empty for none.', type: 'empty, or a relative key prefix ending in `/`' },
  'archive.s3AccessKeyId': { text: "Access key id; unset together with archive.s3SecretAccessKey: the AWS SDK's default credential chain.", type: 'non-empty text without spaces' },
  'archive.s3SecretAccessKey': { text: 'Secret access key; set together with archive.s3AccessKeyId.', type: 'non-empty text without spaces' },
  'archive.s3ForcePathStyle': 'Put the bucket in the path (`http://host/bucket/key`), as MinIO and most local servers need.',
  'archive.s3PartSizeBytes': "Objects larger than this are uploaded in parts of this size (S3's minimum is 5 MiB).",
  'archive.s3RequestTimeoutMs': "One S3 request (a part, a GET's headers, a LIST page) fails after this long.",
  'archive.s3ReadCacheDir': { text: 'Local cache of the objects the history reads from the bucket.', default: '`<dataDir>/archive-cache`' },
  'archive.s3ReadCacheMaxBytes': 'Bound of that cache (least recently used out first); 0: no cache, a download per read.',

  'capacity.dbVolumeBytes': 'Size of the database volume, for the fill-date projection; 0: unknown.',
  'capacity.alertThresholdPct': 'Log an alert when projected use passes this share of the volume.',

  'log.level': 'Log level of `serve` (the admin commands log warnings only, unless LOG_LEVEL asks for more).',
};

const INTRO = `
Every setting of the cloud service (\`wardlink-cloud\`), generated from its settings table
(\`cloud/src/config/settings.ts\`). The gateway's are in [gateway-config.md](gateway-config.md).

**Precedence**, highest first, the same for both daemons: command-line flags, then the
environment, then the config file, then the defaults below. An empty variable counts as
unset; \`null\` in the file means "not set here" (the default applies). The flags are
options of \`serve\`.

**Config file**: optional JSON, the path given by \`--config <path>\`, else
\`$${CONFIG_FILE_ENV}\`; with neither, the environment and the defaults apply. Keys nest by
the dots of the key names (\`{"server": {"port": 8080}}\`). In the file, a number or
\`true\`/\`false\` must be JSON, not quoted. Relative paths are resolved against the working
directory.

**Unknown keys are refused**: a key that is not below stops the service with an error naming
it (and the closest known key, when one is close). Every value is checked once at start; a
bad one is refused naming the key and where it came from. Secrets are never logged or
printed.

Units are in the key names (\`…Ms\` milliseconds, \`…Bytes\` bytes, \`…Days\`, \`…Pct\` percent).
`;

export function cloudConfigReference(): SettingsReference {
  return settingsReference({
    title: 'Cloud configuration reference',
    intro: INTRO,
    settings: CLOUD_SETTINGS.settings,
    docs: CLOUD_SETTING_DOCS,
    docsFile: CLOUD_SETTINGS_DOCS_FILE,
    withoutDefault: 'unset',
    // Only `serve` takes the table's flags: the Flag column reads `serve --port`.
    flagCommand: 'serve',
  });
}
