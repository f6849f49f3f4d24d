/**
 * @wardlink/gateway: the ward gateway daemon and its building blocks, for code outside the
 * package (scripts, benches, the demo). The `wardlink-gateway` CLI is the bin, not exported.
 *
 * Runtime code only: test support (`testing/` folders, `*.test.ts`) is not part of the
 * public entry, and tsconfig.build.json leaves it out of dist/. Neither is the self-signed
 * certificate maker (tls/self-signed.ts): it pulls in reflect-metadata and is loaded lazily.
 */

// The daemon: config, database, writer, ingest transports and the local HTTP port, wired.
export { GatewayDaemon, type DaemonPorts } from './daemon.js';

// Configuration: file, environment and defaults, validated once.
export { loadGatewayConfig, validate, readConfigFile, defaultConfigPath, redactedConfig, ENV_OVERRIDES } from './config/load.js';
export { defaultConfig, LOG_LEVELS, DURABILITIES, type GatewayConfig } from './config/schema.js';

// The gateway's SQLite database (buffer schema plus every module's migrations) and the registry.
export { openGatewayDatabase, registerMigrations, type GatewayDatabase } from './db.js';
export { Registry, type NewDevice } from './registry/registry.js';
export { DEVICE_KINDS, type Admission, type Bed, type Device, type DeviceKind } from './registry/types.js';
export { generatePassword, hashPassword, verifyPassword } from './registry/credentials.js';

// Staff accounts, sessions and the security audit.
export { openStaff, DEFAULT_SESSION_POLICY, ROLES, type StaffModule, type Role, type Permission, type Staff, type Session, type SessionPolicy } from './staff/index.js';

// The durable local buffer: store, group-commit writer, outbox, byte cap, housekeeping.
export {
  openBufferStore,
  BufferWriter,
  WRITER_DEFAULTS,
  Outbox,
  BufferCap,
  BufferMaintenance,
  TREND_INDEX_INTERVAL_MS,
  bufferMigrations,
  countUnsentReadings,
  silentBufferLogger,
  type BufferStore,
  type BufferStoreOptions,
  type WriterOptions,
  type WriterLimits,
  type Durability,
  type Migration,
  type BufferLogger,
  type BufferUsage,
  type CommitStats,
  type OutboxBatch,
  type Backlog,
} from './buffer/index.js';

// Ingest: the pipeline every transport feeds, and the device format parsers.
export { FrameReceiver } from './ingest/receivers.js';
export { IngestPipeline, instanceId, type ReadingSink, type RecordContext, type ReadingObserver, type RefusalObserver, type SubmitResult } from './ingest/pipeline.js';
export {
  FORMATS,
  registerFormat,
  FORMAT_NAMES,
  formatByName,
  isFormatName,
  emptyRecord,
  parseMqttJson,
  hl7MllpFormat,
  deframeMllp,
  mllpFrame,
  parseOruR01,
  buildAck,
  FormatNameTakenError,
  lineFormatEntry,
  type FormatEntry,
  type Framing,
  type FormatName,
  type LineFormat,
  type FormatContext,
  type FormatReject,
  type ParsedRecord,
  type ParsedObservation,
  type MqttParseOptions,
  type Hl7Record,
} from './ingest/formats/index.js';
export { parseAdt, isAdtType, ADT_TRIGGERS, type AdtMessage, type AdtTrigger } from './ingest/formats/hl7/adt.js';

// Alarms: the engine, its rules, and the service the daemon opens on the database.
export {
  openAlarmService,
  alarmMigrations,
  AlarmEngine,
  RuleStore,
  RuleResolver,
  defaultRules,
  METRIC_DEFAULTS,
  resolveEngineOptions,
  AuditQuery,
  type AlarmService,
  type AlarmServiceOptions,
  type AlarmEngineDeps,
  type AlarmEngineOptions,
  type NewRule,
  type RulePatch,
  type RuleFilter,
  type AlarmRule,
  type ActiveAlarm,
} from './alarms/index.js';

// The uplink to the cloud: batches from the outbox, with backoff, breaker and a live lane.
export {
  Uplink,
  createUplink,
  uplinkSettingsFromConfig,
  resolveUplinkOptions,
  UPLINK_DEFAULTS,
  UplinkSeriesDictionary,
  uplinkMigrations,
  type UplinkDeps,
  type UplinkSettings,
  type UplinkOptions,
  type UplinkStatus,
} from './uplink/index.js';

// The local HTTP port, as its own CLI reaches it (local admin token, pinned TLS).
export { readLocalToken, localFetch, localBaseUrl } from './http/local-client.js';
export { LOCAL_TOKEN_FILE } from './http/web-port.js';

// Observability.
export { createLogger, silentLogger, type Logger } from './observability/logger.js';
export { GatewayMetrics } from './observability/metrics.js';
