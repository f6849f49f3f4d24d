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
   * arrival) back to the first one older than the window, then one query over them in
   * which SQLite reads the JSON. Cost grows with the window, not with the buffer.
   */
  seed(db: Database.Database): number {
    let newest: number | null = null;
    let firstId: number | null = null;
    for (const row of db.prepare('SELECT id, received_at_ms AS at FROM reading_records ORDER BY id DESC').iterate() as Iterable<{ id: number; at: number }>) {
      newest ??= row.at;
      if (row.at < newest - this.windowMs) break;
      firstId = row.id;
    }
    if (newest === null || firstId === null) return 0;
    const rows = db
      .prepare(
        `SELECT r.device_id AS device, r.device_time_ms + coalesce(j.value ->> 3, 0) + coalesce(j.value ->> 5, 0) AS t,
                group_concat(j.value ->> 0, ',') AS metrics, max(r.received_at_ms) AS at
         FROM reading_records AS r, json_each(r.items) AS j
         WHERE r.id >= ?
         GROUP BY 1, 2 ORDER BY 4`,
      )
      .all(firstId) as { device: string; t: number; metrics: string; at: number }[];
    for (const row of rows) this.seen.set(`${row.device}${SEP}${row.t}`, { metrics: `,${row.metrics},`, atMs: row.at });
    this.newestMs = newest;
    return rows.length;
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
