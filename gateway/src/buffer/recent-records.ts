/**
 * Stores a redelivered record once. MQTT QoS 1 is at-least-once: a message committed just
 * before a crash, whose PUBACK was lost, is sent again after the restart; a monitor resends
 * an HL7 message whose ACK never came. The copy must not be stored twice.
 *
 * A reading's identity is the cloud's natural key: (device, metric, the device's own time:
 * `deviceClockMs` of a CLOCK_SUSPECT reading, else its time). Only readings whose time the
 * device gave are judged (`dedup` on the append): a clockless line stamped with the receive
 * time has nothing to be the same as.
 *
 * The index holds the records committed in the last `windowMs` of receive time: per key,
 * the metrics stored (a record's readings usually share one key; a second message at the
 * same time, an NIBP, brings other metrics and is kept). It lives on the commit thread,
 * beside the transactions it guards: additions become visible only once their transaction
 * commits, and duplicates inside one group commit are caught too. At start it is seeded
 * from the buffer file, so a copy that arrives after a restart is recognised.
 */
import type Database from 'better-sqlite3';
import type { Reading } from '@wardlink/shared';

/** Long enough for a client to reconnect and resend after a gateway restart. */
export const DEDUP_WINDOW_MS = 10 * 60_000;

export interface RecentEntry {
  /** ",HR,SPO2," */
  metrics: string;
  atMs: number;
}

const SEP = '\u0000';

export function identityOf(r: Reading): string {
  return `${r.deviceId}${SEP}${r.deviceClockMs ?? r.deviceTimeMs}`;
}

export class RecentRecords {
  /** Insertion order is receive order (roughly): expiry pops from the front. */
  private readonly seen = new Map<string, RecentEntry>();
  private newestMs = 0;

  constructor(private readonly windowMs = DEDUP_WINDOW_MS) {}

  /**
   * The records of the last window in the buffer file: the newest rows by id (ids follow
   * arrival) back to the first one older than the window, read once and parsed here. Cost
   * grows with the window, not with the buffer. (SQL's json_each with a GROUP BY took
   * ~0.4 s for a 60-bed ward's 10 minutes, on the daemon's startup path; this is a tenth.)
   */
  seed(db: Database.Database): number {
    const rows: [string, number, number, string][] = [];
    let newest: number | null = null;
    const stmt = db.prepare('SELECT device_id, device_time_ms, received_at_ms, items FROM reading_records ORDER BY id DESC').raw();
    for (const row of stmt.iterate() as Iterable<[string, number, number, string]>) {
      newest ??= row[2];
      if (row[2] < newest - this.windowMs) break;
      rows.push(row);
    }
    if (newest === null) return 0;
    for (let i = rows.length - 1; i >= 0; i--) {
      const [device, deviceTimeMs, at, items] = rows[i]!;
      // [metric, value, flags, deviceTimeDelta?, receivedDelta?, deviceClockOffset?, unit?] (rows.ts)
      for (const it of JSON.parse(items) as [string, number, number, number?, number?, (number | null)?][]) {
        const key = `${device}${SEP}${deviceTimeMs + (it[3] ?? 0) + (it[5] ?? 0)}`;
        const known = this.seen.get(key);
        if (known === undefined) this.seen.set(key, { metrics: `,${it[0]},`, atMs: at });
        else {
          known.metrics += `${it[0]},`;
          if (at > known.atMs) known.atMs = at;
        }
      }
    }
    this.newestMs = newest;
    return this.seen.size;
  }

  /**
   * The readings of one append that are not stored yet. `overlay` collects what this
   * transaction adds (and is consulted, so a copy inside the same group is caught too).
   */
  filter(readings: readonly Reading[], overlay: Map<string, RecentEntry>): { kept: readonly Reading[]; dropped: number } {
    let kept: Reading[] | null = null;
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i]!;
      const key = identityOf(r);
      const pending = overlay.get(key);
      const known = pending?.metrics ?? this.seen.get(key)?.metrics ?? ',';
      const tag = `,${r.metric},`;
      if (known.includes(tag)) {
        kept ??= readings.slice(0, i);
        continue;
      }
      overlay.set(key, { metrics: `${known}${r.metric},`, atMs: r.receivedAtMs });
      kept?.push(r);
    }
    return kept === null ? { kept: readings, dropped: 0 } : { kept, dropped: readings.length - kept.length };
  }

  /** After the commit: what the transaction added is known from now on; old keys expire. */
  commit(overlay: Map<string, RecentEntry>): void {
    for (const [key, s] of overlay) {
      this.seen.delete(key); // re-insert at the back: keeps insertion roughly in receive order
      this.seen.set(key, s);
      if (s.atMs > this.newestMs) this.newestMs = s.atMs;
    }
    const cutoff = this.newestMs - this.windowMs;
    for (const [key, s] of this.seen) {
      if (s.atMs >= cutoff) break;
      this.seen.delete(key);
    }
  }

  get size(): number {
    return this.seen.size;
  }
}
