/**
 * `http`: the gateway's web port (nurse station, /status, /metrics, /healthz).
 *   host, port            where it listens (default loopback: the ward sees nothing until
 *                         IT binds it to the ward-side address, `init --bind`);
 *   tls                   {certFile, keyFile}: serve HTTPS (`tls init` makes a self-signed
 *                         pair); required on any address but loopback, unless
 *   allowInsecure         true: plain HTTP on the ward network, PINs and cookies in clear;
 *   allowedHosts          names the ward's PCs reach it by, beyond this machine's own host
 *                         name and addresses (DNS-rebinding defence: other Host headers get 421);
 *   session.idleMs        a nurse's session ends after this long without activity
 *                         (default 30 min, at most 12 h);
 *   session.maxMs         and at this long after sign-in whatever the activity (default and
 *                         most 12 h: one shift);
 *   session.displayMs     a display screen's session (default 30 days);
 *   login.*               failed sign-ins allowed per account and per address in `windowMs`
 *                         before a lockout of `lockoutMs`;
 *   maxStreams, maxStreamsPerAddress   live pages in total and from one computer.
 */
import { resolve } from 'node:path';
import { ConfigError } from '@wardlink/shared';
import { bool, int, pick, str } from './fields.js';

const MAX_PORT = 65535;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

export interface TlsFilesConfig {
  certFile: string;
  keyFile: string;
}

export interface HttpConfig {
  host: string;
  port: number;
  tls: TlsFilesConfig | null;
  allowInsecure: boolean;
  allowedHosts: string[];
  session: { idleMs: number; maxMs: number; displayMs: number };
  login: { maxFailuresPerAccount: number; maxFailuresPerAddress: number; windowMs: number; lockoutMs: number };
  maxStreams: number;
  maxStreamsPerAddress: number;
}

export const DEFAULT_HTTP: HttpConfig = {
  host: '127.0.0.1',
  port: 8080,
  tls: null,
  allowInsecure: false,
  allowedHosts: [],
  session: { idleMs: 30 * 60_000, maxMs: 12 * HOUR_MS, displayMs: 30 * DAY_MS },
  login: { maxFailuresPerAccount: 5, maxFailuresPerAddress: 20, windowMs: 15 * 60_000, lockoutMs: 15 * 60_000 },
  maxStreams: 100,
  maxStreamsPerAddress: 10,
};

function section(raw: Record<string, unknown>, path: string, keys: readonly string[]): void {
  const v = pick(raw, path);
  if (v === undefined || v === null) return;
  if (typeof v !== 'object' || Array.isArray(v)) throw new ConfigError(path, 'must be an object', v);
  for (const key of Object.keys(v)) if (!keys.includes(key)) throw new ConfigError(`${path}.${key}`, 'is not a known setting');
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?$|^[0-9a-fA-F:.]{2,45}$/;

/** 127.0.0.0/8, ::1 and localhost: reachable from this machine only. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** `{certFile, keyFile}` (paths relative to the data folder), or null. */
export function tlsFiles(raw: Record<string, unknown>, field: string, dataDir: string, extra: readonly string[] = []): TlsFilesConfig | null {
  const v = pick(raw, field);
  if (v === undefined || v === null || v === false) return null;
  section(raw, field, ['certFile', 'keyFile', ...extra]);
  return {
    certFile: resolve(dataDir, str(pick(raw, `${field}.certFile`), `${field}.certFile`)),
    keyFile: resolve(dataDir, str(pick(raw, `${field}.keyFile`), `${field}.keyFile`)),
  };
}

export function httpConfig(raw: Record<string, unknown>, dataDir: string, d: HttpConfig = DEFAULT_HTTP): HttpConfig {
  section(raw, 'http', ['host', 'port', 'tls', 'allowInsecure', 'allowedHosts', 'session', 'login', 'maxStreams', 'maxStreamsPerAddress']);
  section(raw, 'http.session', Object.keys(d.session));
  section(raw, 'http.login', Object.keys(d.login));
  const get = (path: string, fallback: unknown): unknown => pick(raw, `http.${path}`) ?? fallback;
  const hostsRaw = get('allowedHosts', d.allowedHosts);
  if (!Array.isArray(hostsRaw) || !hostsRaw.every((h) => typeof h === 'string' && HOST_NAME.test(h))) {
    throw new ConfigError('http.allowedHosts', 'must be a list of host names or IP addresses, without scheme or port', hostsRaw);
  }
  const session = {
    idleMs: int(get('session.idleMs', d.session.idleMs), 'http.session.idleMs', 60_000, 12 * HOUR_MS),
    maxMs: int(get('session.maxMs', d.session.maxMs), 'http.session.maxMs', 60_000, 12 * HOUR_MS),
    displayMs: int(get('session.displayMs', d.session.displayMs), 'http.session.displayMs', HOUR_MS, 365 * DAY_MS),
  };
  if (session.idleMs > session.maxMs) throw new ConfigError('http.session.idleMs', `must not exceed http.session.maxMs (${session.maxMs})`, session.idleMs);
  const host = str(get('host', d.host), 'http.host');
  const tls = tlsFiles(raw, 'http.tls', dataDir);
  const allowInsecure = bool(get('allowInsecure', d.allowInsecure), 'http.allowInsecure');
  if (tls === null && !allowInsecure && !isLoopback(host)) {
    throw new ConfigError(
      'http.tls',
      `is needed to serve the nurse station on ${host}: PINs and session cookies must not cross the ward network in clear. Run "wardlink-gateway tls init", or set http.allowInsecure to true to take that risk`,
    );
  }
  return {
    host,
    port: int(get('port', d.port), 'http.port', 0, MAX_PORT),
    tls,
    allowInsecure,
    allowedHosts: (hostsRaw as string[]).map((h) => h.toLowerCase()),
    session,
    login: {
      maxFailuresPerAccount: int(get('login.maxFailuresPerAccount', d.login.maxFailuresPerAccount), 'http.login.maxFailuresPerAccount', 1, 100),
      maxFailuresPerAddress: int(get('login.maxFailuresPerAddress', d.login.maxFailuresPerAddress), 'http.login.maxFailuresPerAddress', 1, 10_000),
      windowMs: int(get('login.windowMs', d.login.windowMs), 'http.login.windowMs', 1000, DAY_MS),
      lockoutMs: int(get('login.lockoutMs', d.login.lockoutMs), 'http.login.lockoutMs', 1000, DAY_MS),
    },
    maxStreams: int(get('maxStreams', d.maxStreams), 'http.maxStreams', 1, 10_000),
    maxStreamsPerAddress: int(get('maxStreamsPerAddress', d.maxStreamsPerAddress), 'http.maxStreamsPerAddress', 1, 10_000),
  };
}
