/**
 * `alarms.pcd04`: where the alarm manager listens and how the gateway introduces itself.
 * Keys, defaults and bounds are in the settings table (config/settings.ts); this is the
 * resolved shape, and the step from it to what the reporter needs: the TLS files read
 * once, at start, and the rules between keys checked (each failure names the key).
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from '@wardlink/shared';
import type { ConnectionTarget, Pcd04Tls } from './connection.js';
import type { Pcd04Addressing } from './message.js';

export interface Pcd04Config {
  host: string;
  port: number;
  /** MLLP over TLS (the hospital net is not trusted); the files below are PEM. */
  tls: boolean;
  /** CAs trusted for the manager's certificate; null: the system's. */
  caFile: string | null;
  /** The name the manager's certificate must carry; null: `host`. */
  servername: string | null;
  clientCertFile: string | null;
  clientKeyFile: string | null;
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string | null;
  receivingFacility: string | null;
  /** An idle connection sends a keep-alive this often. */
  keepAliveIntervalMs: number;
  /** A message with no answer within this is sent again on a new connection (also the connect timeout). */
  ackTimeoutMs: number;
  /** No answer for this long raises `alarm-manager-down`. */
  downAfterMs: number;
  /** The longest wait between two attempts. */
  maxBackoffMs: number;
}

export interface Pcd04Settings {
  target: ConnectionTarget;
  addressing: Pcd04Addressing;
  keepAliveIntervalMs: number;
  ackTimeoutMs: number;
  downAfterMs: number;
  maxBackoffMs: number;
}

function readPem(field: string, path: string | null): Buffer | undefined {
  if (path === null) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`alarms.pcd04.${field}`, `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`, path);
  }
}

export function pcd04Settings(c: Pcd04Config): Pcd04Settings {
  if (!c.tls) {
    for (const key of ['caFile', 'servername', 'clientCertFile', 'clientKeyFile'] as const) {
      if (c[key] !== null) throw new ConfigError(`alarms.pcd04.${key}`, 'needs alarms.pcd04.tls: true (it would be ignored on a plain TCP connection)');
    }
  }
  if ((c.clientCertFile === null) !== (c.clientKeyFile === null)) throw new ConfigError('alarms.pcd04.clientKeyFile', 'and alarms.pcd04.clientCertFile go together: give both or neither');
  let tls: Pcd04Tls | null = null;
  if (c.tls) {
    const ca = readPem('caFile', c.caFile);
    const cert = readPem('clientCertFile', c.clientCertFile);
    const key = readPem('clientKeyFile', c.clientKeyFile);
    tls = { ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}), ...(c.servername !== null ? { servername: c.servername } : {}) };
  }
  return {
    target: { host: c.host, port: c.port, tls, connectTimeoutMs: c.ackTimeoutMs },
    addressing: { sendingApplication: c.sendingApplication, sendingFacility: c.sendingFacility, receivingApplication: c.receivingApplication, receivingFacility: c.receivingFacility },
    keepAliveIntervalMs: c.keepAliveIntervalMs,
    ackTimeoutMs: c.ackTimeoutMs,
    downAfterMs: c.downAfterMs,
    maxBackoffMs: c.maxBackoffMs,
  };
}
