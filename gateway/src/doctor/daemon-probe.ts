/**
 * Is the gateway daemon running on this machine, and what does it say about itself? The
 * same way `status` finds it (http/local-client.ts): its web port at the configured
 * address. `/healthz` is public, so it tells "running" even when this user cannot read the
 * daemon's local token; `/status` (role it) then adds ports, ingest rate and devices.
 */
import type { GatewayConfig } from '../config/schema.js';
import { localFetch } from '../http/local-client.js';
import type { LiveStatus } from '../http/routes.js';

export interface DaemonProbe {
  running: boolean;
  /** The daemon's /status, or null when it does not run or would not tell this user. */
  live: LiveStatus | null;
  /** Why `live` is null although the daemon runs (e.g. "HTTP 401"). */
  statusError: string | null;
  /** The probe could not even be made (e.g. http.tls.certFile unreadable by this user):
   * whether the daemon runs is unknown, not "no". */
  probeError: string | null;
}

const TIMEOUT_MS = 1500;

export async function probeDaemon(config: GatewayConfig): Promise<DaemonProbe> {
  // Port 0 means "any free port at start": there is no fixed address to look at.
  if (config.http.port === 0) return { running: false, live: null, statusError: null, probeError: null };
  try {
    await (await localFetch(config, '/healthz', { timeoutMs: TIMEOUT_MS })).body?.cancel();
  } catch (err) {
    // A file error is ours (the pinned certificate), not the daemon's absence.
    const code = (err as NodeJS.ErrnoException).code;
    const local = code === 'EACCES' || code === 'ENOENT' || code === 'EPERM';
    return { running: false, live: null, statusError: null, probeError: local ? (err as Error).message : null };
  }
  try {
    const res = await localFetch(config, '/status', { timeoutMs: TIMEOUT_MS });
    if (!res.ok) {
      await res.body?.cancel();
      return { running: true, live: null, statusError: `HTTP ${res.status}`, probeError: null };
    }
    return { running: true, live: (await res.json()) as LiveStatus, statusError: null, probeError: null };
  } catch (err) {
    return { running: true, live: null, statusError: (err as Error).message, probeError: null };
  }
}
