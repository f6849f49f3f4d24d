/**
 * Every gateway setting, one entry each: its key in the config file (and path in the
 * resolved GatewayConfig), its environment variable and command-line flag if any, its rule
 * (type and bounds), its default, and whether it is a secret. Units are in the names.
 *
 * Precedence, highest first: command-line flags, the environment, the config file, the
 * defaults below (the cloud resolves in the same order). resolve.ts applies it; nothing
 * else reads the environment for these settings. Entries are in the order of the
 * resolved object (`config show`), which is also dependency order: `dataDir` before the
 * paths relative to it, `gatewayId` before the defaults made from it.
 *
 * Flags exist for what an operator may change for one run without editing the file (log
 * level, ports, durability). A secret never has one: a flag is visible to every user in `ps`.
 */
import type { Setting, SettingsTable } from '@wardlink/shared';
import { UPLINK_BOUNDS, UPLINK_DEFAULTS } from '../uplink/options.js';
import { ADMISSION_SOURCE_SETTINGS, adtBeds, adtPeers } from './admissions.js';
import { alarmEngine } from './alarm-engine.js';
import { alarmViewers } from './alarm-viewers.js';
import { allowedHosts } from './http.js';
import { choice, cloudToken, dataFolder, fileInDataDir, integer, mqttUrl, secretText, strings, text, urlDisplay, urlWith, yesNo } from './rules.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const DURABILITIES = ['normal', 'full'] as const;

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** MQTT topic root: no wildcards, no trailing slash. */
const TOPIC_PREFIX = /^[^#+]*[^#+/]$/;
/** An HL7 HD field (MSH-3..6): components allowed, no other delimiter, no line break. */
const HL7_HD = /^[^|~\\&\r\n]+$/;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MIB = 1024 * 1024;
const PORT = integer(0, 65_535);

/** A `cloud.*` limit: its default and bounds are the uplink's own (uplink/options.ts), so
 * the file and the uplink cannot disagree. */
const uplink = (key: keyof typeof UPLINK_BOUNDS & keyof typeof UPLINK_DEFAULTS): Setting => ({
  path: `cloud.${key}`,
  default: UPLINK_DEFAULTS[key],
  rule: integer(...UPLINK_BOUNDS[key]),
});

export const SETTINGS: readonly Setting[] = [
  { path: 'gatewayId', env: 'WARDLINK_GATEWAY_ID', default: 'gateway-1', rule: text({ pattern: ID }) },
  // Relative to the config file's folder; the file is found by WARDLINK_GATEWAY_CONFIG or
  // WARDLINK_DATA_DIR (load.ts), so neither is a setting of its own.
  { path: 'dataDir', default: '.', rule: dataFolder },
  { path: 'databasePath', default: 'gateway.db', rule: fileInDataDir },
  { path: 'log.level', env: 'WARDLINK_LOG_LEVEL', flag: '--log-level', default: 'info', rule: choice(LOG_LEVELS) },

  // Loopback until IT binds the listeners to the ward-side address (`init --bind`): never
  // every interface by surprise.
  { path: 'http.host', default: '127.0.0.1', rule: text() },
  { path: 'http.port', env: 'WARDLINK_HTTP_PORT', flag: '--http-port', default: 8080, rule: PORT },
  { path: 'http.tls.certFile', rule: fileInDataDir },
  { path: 'http.tls.keyFile', rule: fileInDataDir },
  { path: 'http.allowInsecure', default: false, rule: yesNo },
  { path: 'http.allowedHosts', default: [], rule: allowedHosts },
  { path: 'http.session.idleMs', default: 30 * MINUTE_MS, rule: integer(MINUTE_MS, 12 * HOUR_MS) },
  { path: 'http.session.maxMs', default: 12 * HOUR_MS, rule: integer(MINUTE_MS, 12 * HOUR_MS) },
  { path: 'http.session.displayMs', default: 30 * DAY_MS, rule: integer(HOUR_MS, 365 * DAY_MS) },
  { path: 'http.login.maxFailuresPerAccount', default: 5, rule: integer(1, 100) },
  { path: 'http.login.maxFailuresPerAddress', default: 20, rule: integer(1, 10_000) },
  { path: 'http.login.windowMs', default: 15 * MINUTE_MS, rule: integer(1000, DAY_MS) },
  { path: 'http.login.lockoutMs', default: 15 * MINUTE_MS, rule: integer(1000, DAY_MS) },
  { path: 'http.maxStreams', default: 100, rule: integer(1, 10_000) },
  { path: 'http.maxStreamsPerAddress', default: 10, rule: integer(1, 10_000) },

  { path: 'mqtt.host', default: '127.0.0.1', rule: text() },
  { path: 'mqtt.port', env: 'WARDLINK_MQTT_PORT', flag: '--mqtt-port', default: 1883, rule: PORT },
  { path: 'mqtt.maxPayloadBytes', default: 16 * 1024, rule: integer(256, MIB) },
  { path: 'mqtt.maxConnections', default: 1000, rule: integer(1, 100_000) },
  { path: 'mqtt.maxConnectionsPerAddress', default: 50, rule: integer(1, 100_000) },
  { path: 'mqtt.tls.port', default: 8883, rule: PORT },
  { path: 'mqtt.tls.certFile', rule: fileInDataDir },
  { path: 'mqtt.tls.keyFile', rule: fileInDataDir },
  { path: 'mqtt.tls.caFile', default: null, rule: fileInDataDir },
  { path: 'mqtt.bridge.url', rule: mqttUrl, display: urlDisplay },
  { path: 'mqtt.bridge.topicFilter', rule: text() },
  { path: 'mqtt.bridge.clientId', default: (v: (p: string) => unknown) => `wardlink-${String(v('gatewayId'))}`, rule: text() },
  { path: 'mqtt.bridge.username', optional: true, rule: text() },
  { path: 'mqtt.bridge.password', optional: true, secret: true, rule: secretText },

  { path: 'hl7.host', default: '127.0.0.1', rule: text() },
  { path: 'hl7.port', env: 'WARDLINK_HL7_PORT', flag: '--hl7-port', default: 2575, rule: PORT },
  { path: 'hl7.maxMessageBytes', default: 256 * 1024, rule: integer(1024, 16 * MIB) },
  { path: 'hl7.idleTimeoutMs', default: 10 * MINUTE_MS, rule: integer(1000, DAY_MS) },
  { path: 'hl7.messageTimeoutMs', default: 30_000, rule: integer(100, HOUR_MS) },
  { path: 'hl7.maxConnections', default: 500, rule: integer(1, 100_000) },
  { path: 'hl7.maxConnectionsPerAddress', default: 20, rule: integer(1, 100_000) },
  { path: 'hl7.tls.port', default: 2576, rule: PORT },
  { path: 'hl7.tls.certFile', rule: fileInDataDir },
  { path: 'hl7.tls.keyFile', rule: fileInDataDir },
  { path: 'hl7.tls.caFile', default: null, rule: fileInDataDir },

  { path: 'buffer.durability', env: 'WARDLINK_DURABILITY', flag: '--durability', default: 'full', rule: choice(DURABILITIES) },
  { path: 'buffer.maxBytes', default: 2 * 1024 * MIB, rule: integer(16 * MIB, Number.MAX_SAFE_INTEGER) },
  // null defers to the writer's benchmarked default for the durability mode (WRITER_DEFAULTS,
  // chosen by `pnpm bench buffer-commit`).
  { path: 'buffer.flushIntervalMs', default: null, rule: integer(1, 10_000) },
  { path: 'buffer.maxBatchReadings', default: null, rule: integer(1, 1_000_000) },
  // null: 250 ms, or the flush interval when the MQTT bridge is on (daemon.ts).
  { path: 'buffer.maxCommitDelayMs', default: null, rule: integer(1, 10_000) },
  { path: 'buffer.maxQueuedReadings', default: 50_000, rule: integer(100, 10_000_000) },
  { path: 'buffer.diskReserveBytes', default: 4 * MIB, rule: integer(MIB, 1024 * MIB) },
  { path: 'buffer.localRetentionMs', default: 24 * HOUR_MS, rule: integer(0, 365 * DAY_MS) },
  { path: 'buffer.checkpointIntervalMs', default: 30_000, rule: integer(100, DAY_MS) },

  { path: 'ingest.maxFutureMs', default: 5 * MINUTE_MS, rule: integer(0, DAY_MS) },
  { path: 'ingest.maxLagMs', default: 5 * MINUTE_MS, rule: integer(1000, DAY_MS) },
  { path: 'ingest.horizonMs', default: 7 * DAY_MS, rule: integer(MINUTE_MS, 365 * DAY_MS) },
  { path: 'ingest.silentAfterMs', default: 10_000, rule: integer(500, DAY_MS) },
  { path: 'ingest.rejectLogIntervalMs', default: MINUTE_MS, rule: integer(0, DAY_MS) },

  { path: 'admissions.source', env: 'WARDLINK_ADMISSIONS_SOURCE', default: 'cli', rule: choice(ADMISSION_SOURCE_SETTINGS) },
  { path: 'admissions.adt.senders', default: [], rule: strings },
  { path: 'admissions.adt.peers', default: [], rule: adtPeers },
  { path: 'admissions.adt.pointOfCare', default: null, rule: text() },
  { path: 'admissions.adt.beds', default: {}, rule: adtBeds },

  // No url or token: the gateway runs standalone.
  { path: 'cloud.url', env: 'WARDLINK_CLOUD_URL', default: null, rule: urlWith('http:', 'https:'), display: urlDisplay },
  { path: 'cloud.token', env: 'WARDLINK_CLOUD_TOKEN', default: null, secret: true, rule: cloudToken },
  uplink('maxBatchReadings'),
  uplink('maxBatchAgeMs'),
  uplink('concurrency'),
  uplink('connectTimeoutMs'),
  uplink('headersTimeoutMs'),
  uplink('bodyTimeoutMs'),
  uplink('backoffBaseMs'),
  uplink('backoffMaxMs'),
  { path: 'cloud.caFile', default: null, rule: fileInDataDir },
  { path: 'cloud.clientCertFile', default: null, rule: fileInDataDir },
  { path: 'cloud.clientKeyFile', default: null, rule: fileInDataDir },
  { path: 'cloud.allowInsecure', default: false, rule: yesNo },

  { path: 'alarms.forward.url', rule: mqttUrl, display: urlDisplay },
  { path: 'alarms.forward.topicPrefix', default: (v: (p: string) => unknown) => `wardlink/${String(v('gatewayId'))}/alarms`, rule: text({ pattern: TOPIC_PREFIX }) },
  { path: 'alarms.forward.clientId', default: (v: (p: string) => unknown) => `wardlink-${String(v('gatewayId'))}-alarms`, rule: text() },
  { path: 'alarms.forward.maxQueued', default: 10_000, rule: integer(100, 1_000_000) },
  { path: 'alarms.forward.username', optional: true, rule: text() },
  { path: 'alarms.forward.password', optional: true, secret: true, rule: secretText },
  { path: 'alarms.pcd04.host', rule: text() },
  { path: 'alarms.pcd04.port', default: 2575, rule: integer(1, 65_535) },
  { path: 'alarms.pcd04.tls', default: false, rule: yesNo },
  { path: 'alarms.pcd04.caFile', default: null, rule: fileInDataDir },
  { path: 'alarms.pcd04.servername', default: null, rule: text() },
  { path: 'alarms.pcd04.clientCertFile', default: null, rule: fileInDataDir },
  { path: 'alarms.pcd04.clientKeyFile', default: null, rule: fileInDataDir },
  // HL7 HD values written into MSH as given: components (^) allowed, other delimiters not.
  { path: 'alarms.pcd04.sendingApplication', default: 'WARDLINK', rule: text({ pattern: HL7_HD }) },
  { path: 'alarms.pcd04.sendingFacility', default: (v: (p: string) => unknown) => String(v('gatewayId')), rule: text({ pattern: HL7_HD }) },
  { path: 'alarms.pcd04.receivingApplication', default: null, rule: text({ pattern: HL7_HD }) },
  { path: 'alarms.pcd04.receivingFacility', default: null, rule: text({ pattern: HL7_HD }) },
  { path: 'alarms.pcd04.keepAliveIntervalMs', default: 30_000, rule: integer(1000, HOUR_MS) },
  { path: 'alarms.pcd04.ackTimeoutMs', default: 10_000, rule: integer(500, 5 * MINUTE_MS) },
  { path: 'alarms.pcd04.downAfterMs', default: MINUTE_MS, rule: integer(1000, DAY_MS) },
  { path: 'alarms.pcd04.maxBackoffMs', default: 30_000, rule: integer(1000, 10 * MINUTE_MS) },
  { path: 'alarms.viewers', default: [], rule: alarmViewers },
  { path: 'alarms.audioPauseMaxMs', default: 2 * MINUTE_MS, rule: integer(10_000, 15 * MINUTE_MS) },
  { path: 'alarms.engine', default: {}, rule: alarmEngine },
];

export const GATEWAY_SETTINGS: SettingsTable = {
  settings: SETTINGS,
  // Off (null) unless given as an object; `false` switches one off too.
  optionalSections: ['http.tls', 'mqtt.tls', 'mqtt.bridge', 'hl7.tls', 'alarms.forward', 'alarms.pcd04'],
  // An editor's JSON-schema pointer is not a setting.
  ignoredKeys: ['$schema'],
};
