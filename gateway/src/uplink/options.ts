/**
 * The uplink's options, checked once where they enter, with their defaults. Units are in
 * the names. The token is kept non-enumerable so it never reaches a log or JSON.
 */
import type { EncodeOptions } from '@wardlink/shared';
import { UplinkOptionError } from './errors.js';

/** TLS material for undici's `connect` (PEM contents, not paths). */
export interface TlsMaterial {
  /** Trusted CA certificates for the cloud's server certificate (replaces the system roots). */
  ca?: string | Buffer;
  /** Client certificate and key, when the cloud (or its proxy) asks for mutual TLS. */
  cert?: string | Buffer;
  key?: string | Buffer;
}

export interface UplinkSettings {
  /** The cloud's base URL (http: or https:); batches go to `<url>/v1/batches`. */
  url: string;
  /** The gateway's bearer token, from `wardlink-cloud gateway add`. */
  token: string;
  /** Most readings in one batch. */
  maxBatchReadings?: number;
  /** A batch that is not full (and carries no alarm) waits until its oldest reading is this old. */
  maxBatchAgeMs?: number;
  /** Batches in flight at once (and connections in the pool). */
  concurrency?: number;
  connectTimeoutMs?: number;
  /** From the end of the request to the response headers (includes the cloud's COPY). */
  headersTimeoutMs?: number;
  /** Longest pause between two chunks of the response body. */
  bodyTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this long. */
  keepAliveTimeoutMs?: number;
  /** First retry waits up to this long; each further failure doubles it... */
  backoffBaseMs?: number;
  /** ...up to this cap. */
  backoffMaxMs?: number;
  /** Consecutive failures that open the circuit breaker. */
  breakerFailureThreshold?: number;
  /** How long the breaker stays open before its first probe (doubles per failed probe, up to backoffMaxMs). */
  breakerOpenMs?: number;
  /** After 401/403 (credentials) or a wrong URL, how often to probe again. */
  haltedRetryMs?: number;
  /** How often an idle uplink looks for new data. */
  pollIntervalMs?: number;
  /** A progress line is logged at most this often while a backlog drains. */
  progressLogIntervalMs?: number;
  /** How long stop() lets in-flight uploads finish before aborting them. */
  stopGraceMs?: number;
  tls?: TlsMaterial;
  compression?: EncodeOptions;
  /** Uniform [0, 1) source for the backoff jitter (tests pin it). */
  random?: () => number;
}

export type UplinkOptions = Required<Omit<UplinkSettings, 'tls' | 'compression'>> & Pick<UplinkSettings, 'tls' | 'compression'>;

/**
 * Defaults. maxBatchReadings 5,000 (~13 s of a 50-bed ward): `pnpm bench catch-up --quick`
 * drained at the same rate with 5,000 and 20,000 (~100k readings/s on 2 cores, where the
 * gateway's SQLite outbox work and PostgreSQL share the CPU), and smaller batches keep
 * the live lane's turnaround short (max live delay ~1.1 s against ~1.5 s) and a
 * quarantined batch small. concurrency 4: 2 was ~15% slower, 8 no faster.
 */
export const UPLINK_DEFAULTS = {
  maxBatchReadings: 5_000,
  maxBatchAgeMs: 1_000,
  concurrency: 4,
  connectTimeoutMs: 10_000,
  headersTimeoutMs: 60_000,
  bodyTimeoutMs: 30_000,
  keepAliveTimeoutMs: 30_000,
  backoffBaseMs: 500,
  backoffMaxMs: 60_000,
  breakerFailureThreshold: 3,
  breakerOpenMs: 5_000,
  haltedRetryMs: 5 * 60_000,
  pollIntervalMs: 200,
  progressLogIntervalMs: 10_000,
  stopGraceMs: 5_000,
} as const;

type IntField = keyof typeof UPLINK_DEFAULTS;
/** The accepted range of each setting, for the options here and for the config file's
 * `cloud.*` keys (config/settings.ts): one table, so the two cannot disagree. */
export const UPLINK_BOUNDS: Readonly<Record<IntField, readonly [number, number]>> = {
  maxBatchReadings: [1, 1_000_000],
  maxBatchAgeMs: [0, 3_600_000],
  concurrency: [1, 64],
  connectTimeoutMs: [100, 600_000],
  headersTimeoutMs: [100, 3_600_000],
  bodyTimeoutMs: [100, 3_600_000],
  keepAliveTimeoutMs: [1, 3_600_000],
  backoffBaseMs: [1, 3_600_000],
  backoffMaxMs: [1, 24 * 3_600_000],
  breakerFailureThreshold: [1, 1000],
  breakerOpenMs: [1, 24 * 3_600_000],
  haltedRetryMs: [1, 24 * 3_600_000],
  pollIntervalMs: [1, 60_000],
  progressLogIntervalMs: [1, 24 * 3_600_000],
  stopGraceMs: [0, 600_000],
};

export function resolveUplinkOptions(s: UplinkSettings): UplinkOptions {
  let parsed: URL;
  try {
    parsed = new URL(s.url);
  } catch {
    throw new UplinkOptionError('url', 'must be an absolute http: or https: URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UplinkOptionError('url', 'must use http: or https:', parsed.protocol);
  if (typeof s.token !== 'string' || s.token.length === 0) throw new UplinkOptionError('token', 'must be a non-empty string');
  if (/[\r\n]/.test(s.token)) throw new UplinkOptionError('token', 'must not contain line breaks');
  if ((s.tls?.cert === undefined) !== (s.tls?.key === undefined)) throw new UplinkOptionError('tls', 'needs both a client certificate and its key, or neither');

  const ints = {} as Record<IntField, number>;
  for (const field of Object.keys(UPLINK_DEFAULTS) as IntField[]) {
    const value = s[field] ?? UPLINK_DEFAULTS[field];
    const [min, max] = UPLINK_BOUNDS[field];
    if (!Number.isInteger(value) || value < min || value > max) throw new UplinkOptionError(field, `must be an integer from ${min} to ${max}`, value);
    ints[field] = value;
  }
  if (ints.backoffMaxMs < ints.backoffBaseMs) throw new UplinkOptionError('backoffMaxMs', `must be at least backoffBaseMs (${ints.backoffBaseMs})`, ints.backoffMaxMs);

  const options = { url: s.url, ...ints, random: s.random ?? Math.random, tls: s.tls, compression: s.compression } as UplinkOptions;
  Object.defineProperty(options, 'token', { value: s.token, enumerable: false });
  return options;
}

/** The URL without credentials or query, for logs and `status`. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    u.search = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid url)';
  }
}
