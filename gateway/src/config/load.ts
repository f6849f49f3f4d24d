/**
 * Resolves the gateway configuration in one place: the config file, then the
 * environment, then defaults, and validates every field once, naming it on error.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError, ConfigFileError } from '@wardlink/shared';
import { int, oneOf, pick, redactUrl, str, url } from './fields.js';
import { DURABILITIES, LOG_LEVELS, defaultConfig, type GatewayConfig } from './schema.js';

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_PORT = 65535;
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
  const cloudUrl = pick(raw, 'cloud.url');
  const cloudToken = pick(raw, 'cloud.token');
  const databasePath = str(get('databasePath', d.databasePath), 'databasePath');
  const config: GatewayConfig = {
    gatewayId: str(get('gatewayId', d.gatewayId), 'gatewayId', { pattern: ID }),
    dataDir,
    databasePath: resolve(dataDir, databasePath),
    log: { level: oneOf(get('log.level', d.log.level), 'log.level', LOG_LEVELS) },
    http: { host: str(get('http.host', d.http.host), 'http.host'), port: int(get('http.port', d.http.port), 'http.port', 0, MAX_PORT) },
    mqtt: {
      host: str(get('mqtt.host', d.mqtt.host), 'mqtt.host'),
      port: int(get('mqtt.port', d.mqtt.port), 'mqtt.port', 0, MAX_PORT),
      maxPayloadBytes: int(get('mqtt.maxPayloadBytes', d.mqtt.maxPayloadBytes), 'mqtt.maxPayloadBytes', 256, 1024 * 1024),
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
    hl7: {
      host: str(get('hl7.host', d.hl7.host), 'hl7.host'),
      port: int(get('hl7.port', d.hl7.port), 'hl7.port', 0, MAX_PORT),
      maxMessageBytes: int(get('hl7.maxMessageBytes', d.hl7.maxMessageBytes), 'hl7.maxMessageBytes', 1024, 16 * 1024 * 1024),
    },
    buffer: {
      durability: oneOf(get('buffer.durability', d.buffer.durability), 'buffer.durability', DURABILITIES),
      maxBytes: int(get('buffer.maxBytes', d.buffer.maxBytes), 'buffer.maxBytes', 16 * 1024 * 1024, Number.MAX_SAFE_INTEGER),
      flushIntervalMs: int(get('buffer.flushIntervalMs', d.buffer.flushIntervalMs), 'buffer.flushIntervalMs', 1, 10_000),
      maxBatchReadings: int(get('buffer.maxBatchReadings', d.buffer.maxBatchReadings), 'buffer.maxBatchReadings', 1, 1_000_000),
      maxQueuedReadings: int(get('buffer.maxQueuedReadings', d.buffer.maxQueuedReadings), 'buffer.maxQueuedReadings', 100, 10_000_000),
      localRetentionMs: int(get('buffer.localRetentionMs', d.buffer.localRetentionMs), 'buffer.localRetentionMs', 0, 365 * DAY_MS),
      checkpointIntervalMs: int(get('buffer.checkpointIntervalMs', d.buffer.checkpointIntervalMs), 'buffer.checkpointIntervalMs', 100, DAY_MS),
    },
    ingest: {
      maxFutureMs: int(get('ingest.maxFutureMs', d.ingest.maxFutureMs), 'ingest.maxFutureMs', 0, DAY_MS),
      horizonMs: int(get('ingest.horizonMs', d.ingest.horizonMs), 'ingest.horizonMs', 60_000, 365 * DAY_MS),
      silentAfterMs: int(get('ingest.silentAfterMs', d.ingest.silentAfterMs), 'ingest.silentAfterMs', 500, DAY_MS),
      rejectLogIntervalMs: int(get('ingest.rejectLogIntervalMs', d.ingest.rejectLogIntervalMs), 'ingest.rejectLogIntervalMs', 0, DAY_MS),
    },
    cloud: {
      url: cloudUrl === undefined || cloudUrl === null ? null : url(cloudUrl, 'cloud.url', ['http:', 'https:']),
      token: cloudToken === undefined || cloudToken === null ? null : str(cloudToken, 'cloud.token'),
    },
  };
  hideSecrets(config);
  return config;
}

function optionalString(raw: Record<string, unknown>, path: string): Record<string, string> {
  const v = pick(raw, path);
  if (v === undefined || v === null) return {};
  return { [path.split('.').pop()!]: str(v, path) };
}

/** Secrets stay readable by code but are not enumerable, so they never reach a log or JSON dump. */
function hideSecrets(config: GatewayConfig): void {
  Object.defineProperty(config.cloud, 'token', { value: config.cloud.token, enumerable: false, writable: false });
  if (config.mqtt.bridge?.password !== undefined) {
    Object.defineProperty(config.mqtt.bridge, 'password', { value: config.mqtt.bridge.password, enumerable: false });
  }
}

/** A printable copy: secrets shown as "***" when set, URLs without passwords. */
export function redactedConfig(config: GatewayConfig): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as Record<string, unknown> & { cloud: Record<string, unknown> };
  copy.cloud.token = config.cloud.token ? '***' : null;
  if (config.cloud.url) copy.cloud.url = redactUrl(config.cloud.url);
  return copy;
}

