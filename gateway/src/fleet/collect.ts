/**
 * Gathers the figures of the status document from what the gateway already keeps: the
 * uplink's status (backlog, up/down), the buffer database (pending and quarantined
 * batches, active alarms, readings stored) and the daemon's metrics (device states, disk
 * and buffer bytes, readings in), so the uplink needs nothing more from the daemon.
 * Every part that cannot be read is null or 0 rather than a failed send.
 */
import type Database from 'better-sqlite3';
import type { GatewayMetrics } from '../observability/metrics.js';
import { diskOutlook } from '../observability/disk-outlook.js';
import { RateMeter } from '../observability/rate.js';
import type { UplinkStatus } from '../uplink/types.js';
import { MAX_DOWN_IDS, type GatewayStatusDoc } from './status-doc.js';
import { gatewayVersion } from './version.js';

export interface StatusSources {
  gatewayId: string;
  db: Database.Database;
  metrics: GatewayMetrics | undefined;
  uplink: () => UplinkStatus;
  /** The alarm engine's count, when the daemon provides it; else read from the alarm record. */
  alarmsActive?: () => number;
}

/** Over this window the ingest rate (for the days-of-outage figure) is averaged. */
const RATE_WINDOW_MS = 60_000;

export class StatusCollector {
  private readonly ingest = new RateMeter(RATE_WINDOW_MS);

  constructor(private readonly src: StatusSources) {}

  /** Samples the ingest rate; call on a steady tick, whether or not a status is sent. */
  async sample(nowMs: number): Promise<void> {
    const m = this.src.metrics;
    if (m) this.ingest.sample(sum((await m.readingsIn.get()).values), nowMs);
  }

  async collect(nowMs: number): Promise<GatewayStatusDoc> {
    const u = this.src.uplink();
    const batches = this.batchCounts();
    return {
      v: 1,
      gatewayId: this.src.gatewayId,
      sentAtMs: nowMs,
      version: gatewayVersion(),
      uplink: { up: u.up, breaker: u.breaker },
      backlog: { batches: batches.pending, readings: u.backlogReadings, alarms: u.backlogAlarms, oldestAgeS: u.oldestUnsentAgeS },
      quarantinedBatches: batches.quarantined,
      disk: await this.disk(),
      devices: await this.devices(),
      alarmsActive: this.alarmsActive(),
    };
  }

  private batchCounts(): { pending: number; quarantined: number } {
    try {
      const rows = this.src.db.prepare("SELECT state, count(*) AS n FROM outbox_batches WHERE state IN ('pending', 'quarantined') GROUP BY state").all() as { state: string; n: number }[];
      return { pending: rows.find((r) => r.state === 'pending')?.n ?? 0, quarantined: rows.find((r) => r.state === 'quarantined')?.n ?? 0 };
    } catch {
      return { pending: 0, quarantined: 0 };
    }
  }

  private alarmsActive(): number | null {
    if (this.src.alarmsActive) return this.src.alarmsActive();
    try {
      // Alarms with no `cleared` event: the same rule the restart replay uses (alarms/audit-query.ts).
      return this.src.db.prepare("SELECT count(*) FROM (SELECT alarm_id FROM alarm_events GROUP BY alarm_id HAVING SUM(phase = 'cleared') = 0)").pluck().get() as number;
    } catch {
      return null;
    }
  }

  private async devices(): Promise<GatewayStatusDoc['devices']> {
    const out = { up: 0, down: 0, unknown: 0, downIds: [] as string[] };
    if (!this.src.metrics) return out;
    for (const v of (await this.src.metrics.deviceState.get()).values) {
      if (v.value !== 1) continue;
      if (v.labels.state === 'connected') out.up++;
      else if (v.labels.state === 'silent' || v.labels.state === 'gone') {
        out.down++;
        if (out.downIds.length < MAX_DOWN_IDS) out.downIds.push(String(v.labels.device));
      } else out.unknown++;
    }
    return out;
  }

  private async disk(): Promise<GatewayStatusDoc['disk']> {
    const m = this.src.metrics;
    if (!m) return { freeBytes: null, outageDaysLeft: null };
    const free = first((await m.diskAvailableBytes.get()).values);
    const cap = first((await m.bufferEffectiveMaxBytes.get()).values);
    const used = first((await m.bufferBytes.get()).values);
    // The daemon sets these every second; before its first tick they read 0.
    if (free === 0 && cap === 0) return { freeBytes: null, outageDaysLeft: null };
    const rate = this.ingest.perSecond();
    const outlook = diskOutlook({ diskFreeBytes: free, bufferUsedBytes: used, bufferCapBytes: cap, storedReadings: this.storedReadings(), ingestReadingsPerS: rate > 0 ? rate : null });
    return { freeBytes: free, outageDaysLeft: outlook.outageDaysLeft };
  }

  /** Readings in the buffer, from the id range (ids run on by n per record): two index
   * probes rather than a sum over every record. */
  private storedReadings(): number {
    try {
      const r = this.src.db
        .prepare('SELECT (SELECT id + n FROM reading_records ORDER BY id DESC LIMIT 1) - (SELECT id FROM reading_records ORDER BY id LIMIT 1) AS n')
        .get() as { n: number | null };
      return r.n ?? 0;
    } catch {
      return 0;
    }
  }
}

function sum(values: { value: number }[]): number {
  return values.reduce((a, v) => a + v.value, 0);
}

function first(values: { value: number }[]): number {
  return values[0]?.value ?? 0;
}
