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
   * The records of the last window in the buffer file, read once and parsed here. Cost
   * grows with the window, not with the buffer. (SQL's json_each with a GROUP BY took
   * ~0.4 s for a 60-bed ward's 10 minutes, on the daemon's startup path; this is a tenth.)
   * It runs on the commit thread before the writer is ready, so before the daemon's
   * /healthz: two passes keep it lean there. The first walks back from the newest row by
   * id (ids follow arrival) over two small columns to the first one older than the window;
   * the second reads that window oldest first, so insertion order stays receive order,
   * without holding every row (the 36,000 rows of a 60-bed ward's 10 minutes, ~8 MB that
   * the thread's small young generation copied twice). A record's readings usually share
   * one key: one map entry per key and record, not per reading. Together that took the
   * seed from ~0.55 to ~0.35 s of CPU on that ward (loaded 2-core machine).
   */
  seed(db: Database.Database): number {
    let newest: number | null = null;
    let fromId = 0;
    const back = db.prepare('SELECT id, received_at_ms FROM reading_records ORDER BY id DESC').raw();
    for (const [id, at] of back.iterate() as Iterable<[number, number]>) {
      newest ??= at;
      if (at < newest - this.windowMs) break;
      fromId = id;
    }
    if (newest === null) return 0;
    const window = db.prepare('SELECT device_id, device_time_ms, received_at_ms, items FROM reading_records WHERE id >= ? ORDER BY id').raw();
    for (const [device, deviceTimeMs, at, items] of window.iterate(fromId) as Iterable<[string, number, number, string]>) {
      let keyMs = NaN;
      let tags = '';
      // [metric, value, flags, deviceTimeDelta?, receivedDelta?, deviceClockOffset?, unit?] (rows.ts)
      for (const it of JSON.parse(items) as [string, number, number, number?, number?, (number | null)?][]) {
        const ms = deviceTimeMs + (it[3] ?? 0) + (it[5] ?? 0);
        if (ms !== keyMs) {
          if (tags !== '') this.remember(`${device}${SEP}${keyMs}`, tags, at);
          keyMs = ms;
          tags = '';
        }
        tags += `${it[0]},`;
      }
      if (tags !== '') this.remember(`${device}${SEP}${keyMs}`, tags, at);
    }
    this.newestMs = newest;
    return this.seen.size;
  }

  /** Seeding: `tags` ("HR,SPO2,") stored under `key` at receive time `atMs`. */
  private remember(key: string, tags: string, atMs: number): void {
    const known = this.seen.get(key);
    if (known === undefined) this.seen.set(key, { metrics: `,${tags}`, atMs });
    else {
      known.metrics += tags;
      if (atMs > known.atMs) known.atMs = atMs;
    }
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
