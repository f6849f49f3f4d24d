/**
 * The uplink section of `wardlink-gateway status`: the daemon's live figures when it
 * runs (backlog, ETA, breaker, last error), plus what the database alone can tell
 * (quarantined batches), so IT sees the uplink even when the daemon is down.
 */
import type Database from 'better-sqlite3';
import type { GatewayConfig } from '../config/schema.js';
import { displayUrl } from './options.js';
import type { UplinkStatus } from './types.js';

export interface UplinkReport {
  /** False when cloud.url or cloud.token is missing: the gateway runs standalone. */
  configured: boolean;
  url: string | null;
  /** The running daemon's uplink status, or null when the daemon is not running. */
  live: UplinkStatus | null;
  pendingBatches: number;
  quarantinedBatches: number;
  quarantinedReadings: number;
}

export function uplinkReport(cloud: GatewayConfig['cloud'], live: UplinkStatus | null, db: Database.Database): UplinkReport {
  const counts = db
    .prepare("SELECT state, count(*) AS n, coalesce(sum(reading_count), 0) AS readings FROM outbox_batches WHERE state IN ('pending', 'quarantined') GROUP BY state")
    .all() as { state: string; n: number; readings: number }[];
  const of = (state: string) => counts.find((c) => c.state === state);
  return {
    configured: cloud.url !== null && cloud.token !== null,
    url: cloud.url === null ? null : displayUrl(cloud.url),
    live,
    pendingBatches: of('pending')?.n ?? 0,
    quarantinedBatches: of('quarantined')?.n ?? 0,
    quarantinedReadings: of('quarantined')?.readings ?? 0,
  };
}

const n = (x: number) => x.toLocaleString('en-US');

export function formatUplinkReport(r: UplinkReport, nowMs: number): string[] {
  if (!r.configured) return ['uplink: not configured (set cloud.url and cloud.token with "config set"); data stays in the local buffer'];
  const lines: string[] = [];
  const u = r.live;
  if (u === null) lines.push(`uplink ${r.url}: daemon not running; ${r.pendingBatches} batches pending`);
  else {
    const eta = u.etaS === null ? 'not shrinking' : u.etaS === 0 ? 'caught up' : `about ${u.etaS} s left`;
    lines.push(
      `uplink ${u.url}: ${u.up ? 'up' : 'DOWN'}, ${u.activity}, breaker ${u.breaker}, ${u.inFlight} in flight; ` +
        `backlog ${n(u.backlogReadings)} readings, ${u.backlogAlarms} alarm events` +
        (u.oldestUnsentAgeS === null ? '' : ` (oldest ${u.oldestUnsentAgeS} s)`) +
        `; sending ${n(u.sentReadingsPerS)} readings/s, ${eta}`,
    );
    if (u.nextAttemptAtMs !== null) lines.push(`  next attempt in ${Math.max(0, Math.ceil((u.nextAttemptAtMs - nowMs) / 1000))} s`);
    if (u.lastError) {
      const status = u.lastError.status === null ? 'no answer' : `HTTP ${u.lastError.status}`;
      lines.push(`  last error ${new Date(u.lastError.atMs).toISOString()} (batch ${u.lastError.seq}, ${status}, trace ${u.lastError.traceId}): ${u.lastError.code}: ${u.lastError.message}`);
    }
  }
  if (r.quarantinedBatches > 0) {
    lines.push(`  QUARANTINED: ${r.quarantinedBatches} batches (${n(r.quarantinedReadings)} readings) refused by the cloud; see "wardlink-gateway quarantine list", re-send with "quarantine resend"`);
  }
  return lines;
}
