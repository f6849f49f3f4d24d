/**
 * How tools on the gateway's own machine (the `status` command, the demo, benchmarks,
 * tests) reach its web port: the listen address (loopback when it listens on every
 * interface) and the `local-admin.token` the running daemon wrote in its data folder.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GatewayConfig } from '../config/schema.js';
import { LOCAL_TOKEN_FILE } from './web-port.js';

export interface LocalAccess {
  baseUrl: string;
  headers: Record<string, string>;
}

function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** The token the running daemon wrote, or null when it does not run (or the file is not ours to read). */
export function readLocalToken(dataDir: string): string | null {
  try {
    return readFileSync(join(dataDir, LOCAL_TOKEN_FILE), 'utf8').trim();
  } catch {
    return null;
  }
}

export function localAccess(config: Pick<GatewayConfig, 'http' | 'dataDir'>, port = config.http.port): LocalAccess {
  const token = readLocalToken(config.dataDir);
  return { baseUrl: `http://${loopbackFor(config.http.host)}:${port}`, headers: token === null ? {} : { authorization: `Bearer ${token}` } };
}

/** GET a path on the local gateway as its CLI (role it). */
export async function localFetch(config: Pick<GatewayConfig, 'http' | 'dataDir'>, path: string, opts: { port?: number; timeoutMs?: number } = {}): Promise<Response> {
  const access = localAccess(config, opts.port);
  return fetch(`${access.baseUrl}${path}`, { headers: access.headers, signal: AbortSignal.timeout(opts.timeoutMs ?? 5000) });
}
