/**
 * Against DNS rebinding and cross-site requests. A page on any web site can make a ward
 * PC's browser send requests to the gateway, and a rebound DNS name can make them look
 * same-origin. So:
 *  - Host must name this gateway: one of `http.allowedHosts`, this machine's host name,
 *    one of its addresses, or localhost (421 WL_HTTP_BAD_HOST otherwise);
 *  - Origin, when sent, must be the Host itself (403 WL_HTTP_BAD_ORIGIN);
 *  - a change made with a cookie (sign-in, acknowledge, pause) must carry a same-origin
 *    Origin (or `Sec-Fetch-Site: same-origin`): a cookie is sent by the browser, not chosen.
 */
import type { IncomingMessage } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { BadHostError, BadOriginError } from './errors.js';

/** The host part of a Host header: `[::1]:8080` → `::1`, `Gw.Local:80` → `gw.local`. */
export function hostOf(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(1, h.indexOf(']') > 0 ? h.indexOf(']') : undefined);
  const colon = h.lastIndexOf(':');
  return (colon > 0 && h.indexOf(':') === colon ? h.slice(0, colon) : h).replace(/\.$/, '');
}

export function machineNames(): string[] {
  const names = ['localhost', '127.0.0.1', '::1', hostname().toLowerCase()];
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) names.push(i.address.toLowerCase().replace(/%.*$/, ''));
  return names;
}

export class HostGuard {
  private allowed: Set<string>;

  constructor(configured: readonly string[], automatic: readonly string[] = machineNames()) {
    this.allowed = new Set([...configured, ...automatic].map((h) => h.toLowerCase()));
  }

  setAllowed(configured: readonly string[], automatic: readonly string[] = machineNames()): void {
    this.allowed = new Set([...configured, ...automatic].map((h) => h.toLowerCase()));
  }

  checkHost(req: IncomingMessage): void {
    const header = req.headers.host;
    if (header === undefined || !this.allowed.has(hostOf(header))) throw new BadHostError(header ?? '(none)');
  }

  /** `mustBeSameOrigin`: a cookie-authenticated change, which needs positive proof. */
  checkOrigin(req: IncomingMessage, mustBeSameOrigin: boolean): void {
    const origin = req.headers.origin;
    if (origin === undefined) {
      if (mustBeSameOrigin && req.headers['sec-fetch-site'] !== 'same-origin') throw new BadOriginError(null);
      return;
    }
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw new BadOriginError(origin);
    }
    if (host.toLowerCase() !== (req.headers.host ?? '').toLowerCase()) throw new BadOriginError(origin);
  }
}
