/**
 * Resolves the gateway configuration in one place: the config file, then the
 * environment, then defaults, and validates every field once, naming it on error.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, ConfigFileError } from '@wardlink/shared';
import { admissionsConfig } from './admissions.js';
import { UPLINK_BOUNDS } from '../uplink/options.js';
import { alarmEngineConfig } from './alarm-engine.js';
import { httpConfig, isLoopback } from './http.js';
import { hl7ListenerConfig, mqttListenerConfig } from './listeners.js';
import { bool, int, oneOf, pick, redactUrl, str, url } from './fields.js';
import { DURABILITIES, LOG_LEVELS, defaultConfig, type GatewayConfig } from './schema.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const DAY_MS = 86_400_000;

/** Environment variables that override the file, by field. */
export const ENV_OVERRIDES: Readonly<Record<string, string>> = {
  WARDLINK_GATEWAY_ID: 'gatewayId',
  WARDLINK_LOG_LEVEL: 'log.level',
  WARDLINK_HTTP_PORT: 'http.port',
  WARDLINK_MQTT_PORT: 'mqtt.port',
  WARDLINK_HL7_PORT: 'hl7.port',
  WARDLINK_DURABILITY: 'buffer.durability',
  WARDLINK_CLOUD_URL: 'cloud.url',
  WARDLINK_CLOUD_TOKEN: 'cloud.token',
  WARDLINK_ADMISSIONS_SOURCE: 'admissions.source',
};

export function defaultConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.WARDLINK_GATEWAY_CONFIG ?? resolve(env.WARDLINK_DATA_DIR ?? '.wardlink/gateway', 'gateway.json');
}

export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigFileError(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, { cause: err });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ConfigFileError(path, `is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigFileError(path, 'must hold a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let cur = obj;
  for (const key of keys.slice(0, -1)) {
    if (cur[key] === null || typeof cur[key] !== 'object') cur[key] = {};
    cur = cur[key] as Record<string, unknown>;
  }
  cur[keys[keys.length - 1]!] = value;
}

/** Loads and validates the configuration. `file` may be absent (defaults and env only). */
export function loadGatewayConfig(opts: { path?: string; env?: NodeJS.ProcessEnv; allowMissingFile?: boolean } = {}): GatewayConfig {
  const env = opts.env ?? process.env;
  const path = opts.path ?? defaultConfigPath(env);
  let raw: Record<string, unknown> = {};
  try {
    raw = readConfigFile(path);
  } catch (err) {
    if (!opts.allowMissingFile) throw err;
  }
  for (const [name, field] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(raw, field, value);
  }
  const dataDir = resolve(dirname(path), typeof raw.dataDir === 'string' ? raw.dataDir : '.');
  return validate(raw, dataDir);
}

/** Validates a raw config object on top of the defaults. Exported for `config set`. */
export function validate(raw: Record<string, unknown>, dataDir: string): GatewayConfig {
  const d = defaultConfig(dataDir);
  const get = <T>(path: string, fallback: T): unknown => {
    const v = pick(raw, path);
    return v === undefined || v === null ? fallback : v;
  };
  const knownTop = new Set(Object.keys(d));
  for (const key of Object.keys(raw)) {
    if (!knownTop.has(key) && key !== '$schema') throw new ConfigError(key, 'is not a known setting');
  }
  const bridgeRaw = pick(raw, 'mqtt.bridge');
  const databasePath = str(get('databasePath', d.databasePath), 'databasePath');
  const config: GatewayConfig = {
    gatewayId: str(get('gatewayId', d.gatewayId), 'gatewayId', { pattern: ID }),
    dataDir,
    databasePath: resolve(dataDir, databasePath),
    log: { level: oneOf(get('log.level', d.log.level), 'log.level', LOG_LEVELS) },
    http: httpConfig(raw, dataDir, d.http),
    mqtt: {
      ...mqttListenerConfig(raw, dataDir),
      bridge:
        bridgeRaw === undefined || bridgeRaw === null || bridgeRaw === false
          ? null
          : {
              url: url(pick(raw, 'mqtt.bridge.url'), 'mqtt.bridge.url', ['mqtt:', 'mqtts:', 'tcp:', 'ssl:']),
              topicFilter: str(pick(raw, 'mqtt.bridge.topicFilter'), 'mqtt.bridge.topicFilter'),
              clientId: str(get('mqtt.bridge.clientId', `wardlink-${String(get('gatewayId', d.gatewayId))}`), 'mqtt.bridge.clientId'),
              ...optionalString(raw, 'mqtt.bridge.username'),
              ...optionalString(raw, 'mqtt.bridge.password'),
            },
    },
    hl7: hl7ListenerConfig(raw, dataDir),
    buffer: {
      durability: oneOf(get('buffer.durability', d.buffer.durability), 'buffer.durability', DURABILITIES),
      maxBytes: int(get('buffer.maxBytes', d.buffer.maxBytes), 'buffer.maxBytes', 16 * 1024 * 1024, Number.MAX_SAFE_INTEGER),
      flushIntervalMs: optionalInt(pick(raw, 'buffer.flushIntervalMs'), 'buffer.flushIntervalMs', 1, 10_000),
      maxBatchReadings: optionalInt(pick(raw, 'buffer.maxBatchReadings'), 'buffer.maxBatchReadings', 1, 1_000_000),
      maxQueuedReadings: int(get('buffer.maxQueuedReadings', d.buffer.maxQueuedReadings), 'buffer.maxQueuedReadings', 100, 10_000_000),
      diskReserveBytes: int(get('buffer.diskReserveBytes', d.buffer.diskReserveBytes), 'buffer.diskReserveBytes', 1024 * 1024, 1024 * 1024 * 1024),
      localRetentionMs: int(get('buffer.localRetentionMs', d.buffer.localRetentionMs), 'buffer.localRetentionMs', 0, 365 * DAY_MS),
      checkpointIntervalMs: int(get('buffer.checkpointIntervalMs', d.buffer.checkpointIntervalMs), 'buffer.checkpointIntervalMs', 100, DAY_MS),
    },
    ingest: {
      maxFutureMs: int(get('ingest.maxFutureMs', d.ingest.maxFutureMs), 'ingest.maxFutureMs', 0, DAY_MS),
      maxLagMs: int(get('ingest.maxLagMs', d.ingest.maxLagMs), 'ingest.maxLagMs', 1000, DAY_MS),
      horizonMs: int(get('ingest.horizonMs', d.ingest.horizonMs), 'ingest.horizonMs', 60_000, 365 * DAY_MS),
      silentAfterMs: int(get('ingest.silentAfterMs', d.ingest.silentAfterMs), 'ingest.silentAfterMs', 500, DAY_MS),
      rejectLogIntervalMs: int(get('ingest.rejectLogIntervalMs', d.ingest.rejectLogIntervalMs), 'ingest.rejectLogIntervalMs', 0, DAY_MS),
    },
    admissions: admissionsConfig(raw),
    cloud: cloudConfig(raw, d.cloud, dataDir),
    alarms: alarmsConfig(raw, String(get('gatewayId', d.gatewayId))),
  };
  hideSecrets(config);
  return config;
}

/** `cloud`: the uplink's identity, batch sizes, timeouts, backoff and TLS files. */
function cloudConfig(raw: Record<string, unknown>, d: GatewayConfig['cloud'], dataDir: string): GatewayConfig['cloud'] {
  const section = pick(raw, 'cloud');
  if (section !== null && typeof section === 'object') {
    for (const key of Object.keys(section)) if (!Object.hasOwn(d, key)) throw new ConfigError(`cloud.${key}`, 'is not a known setting');
  }
  const get = (key: keyof GatewayConfig['cloud']): unknown => pick(raw, `cloud.${key}`) ?? d[key];
  const ms = (key: keyof GatewayConfig['cloud'] & keyof typeof UPLINK_BOUNDS) => int(get(key), `cloud.${key}`, ...UPLINK_BOUNDS[key]);
  const file = (key: 'caFile' | 'clientCertFile' | 'clientKeyFile') => {
    const v = get(key);
    return v === null || v === undefined ? null : resolve(dataDir, str(v, `cloud.${key}`));
  };
  const cloudUrl = get('url');
  const cloudToken = get('token');
  const cloud: GatewayConfig['cloud'] = {
    url: cloudUrl === null || cloudUrl === undefined ? null : url(cloudUrl, 'cloud.url', ['http:', 'https:']),
    token: cloudToken === null || cloudToken === undefined ? null : checkToken(cloudToken),
    maxBatchReadings: ms('maxBatchReadings'),
    maxBatchAgeMs: ms('maxBatchAgeMs'),
    concurrency: ms('concurrency'),
    connectTimeoutMs: ms('connectTimeoutMs'),
    headersTimeoutMs: ms('headersTimeoutMs'),
    bodyTimeoutMs: ms('bodyTimeoutMs'),
    backoffBaseMs: ms('backoffBaseMs'),
    backoffMaxMs: ms('backoffMaxMs'),
    caFile: file('caFile'),
    clientCertFile: file('clientCertFile'),
    clientKeyFile: file('clientKeyFile'),
    allowInsecure: bool(get('allowInsecure'), 'cloud.allowInsecure'),
  };
  if (cloud.url !== null && new URL(cloud.url).protocol === 'http:' && !isLoopback(new URL(cloud.url).hostname.replace(/^\[|\]$/g, '')) && !cloud.allowInsecure) {
    throw new ConfigError(
      'cloud.url',
      'uses http: to another machine: patients\' readings and the gateway token would cross the network in clear. Use https:, or set cloud.allowInsecure to true to take that risk',
      redactUrl(cloud.url),
    );
  }
  if (cloud.backoffMaxMs < cloud.backoffBaseMs) throw new ConfigError('cloud.backoffMaxMs', `must be at least cloud.backoffBaseMs (${cloud.backoffBaseMs})`, cloud.backoffMaxMs);
  if ((cloud.clientCertFile === null) !== (cloud.clientKeyFile === null)) {
    throw new ConfigError('cloud.clientKeyFile', 'and cloud.clientCertFile must be set together (mutual TLS needs both)');
  }
  return cloud;
}

/** The token is checked without ever echoing it into the error message. */
function checkToken(value: unknown): string {
  if (typeof value !== 'string' || !/^[\x21-\x7e]{1,1024}$/.test(value)) {
    throw new ConfigError('cloud.token', 'must be the token printed by "wardlink-cloud gateway add" (printable ASCII, no spaces)');
  }
  return value;
}

function optionalInt(value: unknown, field: string, min: number, max: number): number | null {
  return value === undefined || value === null ? null : int(value, field, min, max);
}

function optionalString(raw: Record<string, unknown>, path: string): Record<string, string> {
  const v = pick(raw, path);
  if (v === undefined || v === null) return {};
  return { [path.split('.').pop()!]: str(v, path) };
}

const VIEWER_NAME = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/;

/** `alarms`: the optional external forward and the read-only viewer accounts. */
function alarmsConfig(raw: Record<string, unknown>, gatewayId: string): GatewayConfig['alarms'] {
  const forwardRaw = pick(raw, 'alarms.forward');
  const viewersRaw = pick(raw, 'alarms.viewers') ?? [];
  if (!Array.isArray(viewersRaw)) throw new ConfigError('alarms.viewers', 'must be a list of {username, passwordHash | password}', viewersRaw);
  const viewers = viewersRaw.map((v: unknown, i) => {
    const field = `alarms.viewers[${i}]`;
    if (v === null || typeof v !== 'object') throw new ConfigError(field, 'must be an object {username, passwordHash | password}');
    const o = v as Record<string, unknown>;
    const username = str(o.username, `${field}.username`, { pattern: VIEWER_NAME });
    if ((o.passwordHash === undefined) === (o.password === undefined)) throw new ConfigError(field, 'needs exactly one of passwordHash (scrypt, preferred) or password');
    if (o.passwordHash !== undefined) return { username, passwordHash: str(o.passwordHash, `${field}.passwordHash`, { pattern: /^scrypt\$/ }) };
    const viewer = { username, password: '' };
    Object.defineProperty(viewer, 'password', { value: str(o.password, `${field}.password`), enumerable: false });
    return viewer;
  });
  const names = viewers.map((v) => v.username);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new ConfigError('alarms.viewers', `lists the username "${twice}" twice`);
  const audioPauseMaxMs = int(pick(raw, 'alarms.audioPauseMaxMs') ?? 120_000, 'alarms.audioPauseMaxMs', 10_000, 15 * 60_000);
  const engine = alarmEngineConfig(raw);
  if (forwardRaw === undefined || forwardRaw === null || forwardRaw === false) return { forward: null, viewers, audioPauseMaxMs, engine };
  const forward = {
    url: url(pick(raw, 'alarms.forward.url'), 'alarms.forward.url', ['mqtt:', 'mqtts:', 'tcp:', 'ssl:']),
    topicPrefix: str(pick(raw, 'alarms.forward.topicPrefix') ?? `wardlink/${gatewayId}/alarms`, 'alarms.forward.topicPrefix', { pattern: /^[^#+]*[^#+/]$/ }),
    clientId: str(pick(raw, 'alarms.forward.clientId') ?? `wardlink-${gatewayId}-alarms`, 'alarms.forward.clientId'),
    maxQueued: int(pick(raw, 'alarms.forward.maxQueued') ?? 10_000, 'alarms.forward.maxQueued', 100, 1_000_000),
    ...optionalString(raw, 'alarms.forward.username'),
    ...optionalString(raw, 'alarms.forward.password'),
  };
  return { forward, viewers, audioPauseMaxMs, engine };
}

/** Secrets stay readable by code but are not enumerable, so they never reach a log or JSON dump. */
function hideSecrets(config: GatewayConfig): void {
  Object.defineProperty(config.cloud, 'token', { value: config.cloud.token, enumerable: false, writable: false });
  if (config.mqtt.bridge?.password !== undefined) {
    Object.defineProperty(config.mqtt.bridge, 'password', { value: config.mqtt.bridge.password, enumerable: false });
  }
  if (config.alarms.forward?.password !== undefined) {
    Object.defineProperty(config.alarms.forward, 'password', { value: config.alarms.forward.password, enumerable: false });
  }
}

/** A printable copy: secrets shown as "***" when set, URLs without passwords. */
export function redactedConfig(config: GatewayConfig): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown> & { cloud: Record<string, unknown> };
  copy.cloud.token = config.cloud.token ? '***' : null;
  if (config.cloud.url) copy.cloud.url = redactUrl(config.cloud.url);
  return copy;
}

