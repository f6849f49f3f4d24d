/**
 * How tools on the gateway's own machine (the `status` command, the demo, benchmarks,
 * tests) reach its web port: the listen address (loopback when it listens on every
 * interface), HTTPS when `http.tls` is set, trusting exactly the gateway's own certificate
 * (whatever name it was issued for), and the `local-admin.token` the running daemon wrote
 * in its data folder.
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, fetch, type Response } from 'undici';
import type { GatewayConfig } from '../config/schema.js';
import { LOCAL_TOKEN_FILE } from './web-port.js';

type Config = Pick<GatewayConfig, 'http' | 'dataDir'>;

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

/** An HTTPS agent that trusts the gateway's certificate file and nothing else (pinned by fingerprint). */
export function pinnedAgent(certFile: string): Agent {
  const pem = readFileSync(certFile, 'utf8');
  const expected = new X509Certificate(pem).fingerprint256;
  return new Agent({
    connect: {
      ca: pem,
      // The local name (127.0.0.1) need not be in the certificate: the pin is the check.
      checkServerIdentity: (_host, cert) => (cert.fingerprint256 === expected ? undefined : new Error(`the gateway's certificate is not ${certFile}`)),
    },
  });
}

export function localBaseUrl(config: Config, port = config.http.port): string {
  return `${config.http.tls ? 'https' : 'http'}://${loopbackFor(config.http.host)}:${port}`;
}

/** GET a path on the local gateway as its CLI (role it). */
export async function localFetch(config: Config, path: string, opts: { port?: number; timeoutMs?: number } = {}): Promise<Response> {
  const token = readLocalToken(config.dataDir);
  return fetch(`${localBaseUrl(config, opts.port)}${path}`, {
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(opts.timeoutMs ?? 5000),
    ...(config.http.tls ? { dispatcher: pinnedAgent(config.http.tls.certFile) } : {}),
  });
}
