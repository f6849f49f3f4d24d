/**
 * Stores a redelivered record once. MQTT QoS 1 is at-least-once: a message committed just
 * before a crash, whose PUBACK was lost, is sent again after the restart; a monitor resends
 * an HL7 message whose ACK never came. The copy must not be stored twice.
 *
 * A reading's identity is the cloud's natural key: (device, metric, the device's own time:
 * `deviceClockMs` of a CLOCK_SUSPECT reading, else its time), and a copy has its value too:
 * a reading there with another value is a new measurement (`filter`). Only readings whose time the
 * device gave are judged (`dedup` on the append): a clockless line stamped with the receive
 * time has nothing to be the same as.
 *
 * The index holds the records committed in the last `windowMs` of receive time: per key,
 * the metrics stored (a record's readings usually share one key; a second message at the
 * same time, an NIBP, brings other metrics and is kept). It lives on the commit thread,
 * beside the transactions it guards: additions become visible only once their transaction
 * commits, and duplicates inside one group commit are caught too. At start it is seeded
 * from the buffer file, so a copy that arrives after a restart is recognised.
 *
 * The index is typed arrays (recent-ring.ts), not a Map of string keys and strings of
 * metrics: a 60-bed ward's 10 minutes (36,000 keys, 306,000 readings) held 9.2 MB of the
 * thread's heap that way (267 B a key, grown over the window's first 10 minutes of every
 * run), and 19.7 MB when seeded after a restart (the seed's strings were ropes of the
 * parsed rows' pieces); now 1.9 MB either way (56 B a key), and filter + commit take
 * ~300 instead of ~640 ns a reading (node --expose-gc microbench, heap + array buffers
 * after a full GC).
 */
import type Database from 'better-sqlite3';
import { QualityFlag, type Reading } from '@wardlink/shared';
import { RecentRing, sameTime, Seen } from './recent-ring.js';

/** Long enough for a client to reconnect and resend after a gateway restart. */
export const DEDUP_WINDOW_MS = 10 * 60_000;

/** What one transaction adds for one key (device, time), until it commits. */
export interface RecentEntry {
  deviceId: string;
  timeMs: number;
  /** The metrics this transaction stores under the key. */
  metrics: string[];
  /** Their values, in the same order. */
  values: number[];
  /** The latest receive time among them. */
  atMs: number;
}

const SEP = '\u0000';

/** A reading's key as the transaction's overlay map's key. */
export function identityOf(r: Reading): string {
  return keyOf(r.deviceId, r.deviceClockMs ?? r.deviceTimeMs);
}

const keyOf = (deviceId: string, timeMs: number) => `${deviceId}${SEP}${timeMs}`;

/** The transaction's entry for (device, time), made on first use. */
function entryOf(overlay: Map<string, RecentEntry>, deviceId: string, timeMs: number, atMs: number): RecentEntry {
  const key = keyOf(deviceId, timeMs);
  let e = overlay.get(key);
  if (e === undefined) {
    e = { deviceId, timeMs, metrics: [], values: [], atMs };
    overlay.set(key, e);
  }
  return e;
}

/** A reading's metric and value, added to its entry. */
function remember(e: RecentEntry, r: Reading): void {
  e.metrics.push(r.metric);
  e.values.push(r.value);
  if (r.receivedAtMs > e.atMs) e.atMs = r.receivedAtMs;
}

export class RecentRecords {
  private readonly ring = new RecentRing();
  private newestMs = 0;

  constructor(private readonly windowMs = DEDUP_WINDOW_MS) {}

  /**
   * The records of the last window in the buffer file, read once and parsed here. Cost
   * grows with the window, not with the buffer. (SQL's json_each with a GROUP BY took
   * ~0.4 s for a 60-bed ward's 10 minutes, on the daemon's startup path; this is a tenth.)
   * It runs on the commit thread before the writer is ready, so before the daemon's
   * /healthz: two passes keep it lean there. The first walks back from the newest row by
   * id (ids follow arrival) over two small columns to the first one older than the window;
   * the second reads that window oldest first, so the ring's order stays receive order,
   * without holding every row (the 36,000 rows of a 60-bed ward's 10 minutes, ~8 MB that
   * the thread's small young generation copied twice). A row's readings usually share one
   * key: one entry per key and row, not per reading. Together that took the seed of 12
   * minutes of that ward to ~150 ms of CPU (~0.55 s at first, ~175 ms with the Map).
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
    /** One row's keys (a few at most) and their metrics, in the order met. */
    const times: number[] = [];
    const metrics: string[][] = [];
    const values: number[][] = [];
    for (const [device, deviceTimeMs, at, items] of window.iterate(fromId) as Iterable<[string, number, number, string]>) {
      times.length = 0;
      metrics.length = 0;
      values.length = 0;
      // [metric, value, flags, deviceTimeDelta?, receivedDelta?, deviceClockOffset?, unit?] (rows.ts)
      for (const it of JSON.parse(items) as [string, number, number, number?, number?, (number | null)?][]) {
        const ms = deviceTimeMs + (it[3] ?? 0) + (it[5] ?? 0);
        let k = times.length - 1;
        while (k >= 0 && times[k] !== ms) k--;
        if (k < 0) {
          times.push(ms);
          metrics.push([it[0]]);
          values.push([it[1]]);
        } else {
          metrics[k]!.push(it[0]);
          values[k]!.push(it[1]);
        }
      }
      for (let k = 0; k < times.length; k++) this.ring.add(device, times[k]!, metrics[k]!, values[k]!, at);
    }
    this.newestMs = newest;
    return this.ring.size;
  }

  /**
   * The readings of one append (one device record, or part of one) that are not stored
   * yet. `overlay` collects what this transaction adds (and is consulted, so a copy inside
   * the same group is caught too).
   *
   * A reading is a copy when one of its metric was stored at its key with the same value.
   * The readings of the append at a time where one was stored with another value only are
   * no copy, none of them (a steady pulse rate beside a new SpO2 is new too): the device's
   * clock was set back onto times it used (further than device-clock.ts remembers), or a
   * message corrects another. They are all kept, and those filed at the device's time are
   * filed at their receive time instead, CLOCK_SUSPECT with the device's time kept
   * (`deviceClockMs`), as device-clock.ts files a suspect record: at the device's time
   * they would be one with the stored reading in the cloud (its key). `retimed` counts them.
   * Readings of the append at another time (an NIBP's own, OBX-14) are judged alone.
   */
  filter(readings: readonly Reading[], overlay: Map<string, RecentEntry>): { kept: readonly Reading[]; dropped: number; retimed: number } {
    const marks = this.marks;
    let other = false;
    // A record's readings share their key: it is built and looked up once for the run.
    let device: string | undefined;
    let timeMs = Number.NaN;
    let pending: RecentEntry | undefined;
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i]!;
      const ms = r.deviceClockMs ?? r.deviceTimeMs;
      if (pending === undefined || r.deviceId !== device || !sameTime(ms, timeMs)) {
        device = r.deviceId;
        timeMs = ms;
        pending = entryOf(overlay, r.deviceId, ms, r.receivedAtMs);
      }
      // A suspect reading is filed at its receive time (device-clock.ts): a record re-filed
      // after it goes after it.
      if (r.deviceClockMs !== undefined) this.noteFiled(r.deviceId, r.deviceTimeMs);
      const seen = this.seen(r, ms, pending);
      marks[i] = seen;
      if (seen === Seen.OTHER) other = true;
      // Known from here on, to the rest of this append too. (A re-filed reading keeps its
      // device's time as its key, deviceClockMs, so this holds after `refile`.)
      if (seen !== Seen.SAME) remember(pending, r);
    }
    /** The times of the append that hold a new measurement (null: none, the usual case). */
    const fresh = other ? this.freshTimes(readings) : null;
    const retimed = fresh === null ? 0 : this.refile(readings, fresh, overlay);
    let kept: Reading[] | null = null;
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i]!;
      if (marks[i] !== Seen.NOT && !(fresh !== null && fresh.some((t) => sameTime(t, r.deviceClockMs ?? r.deviceTimeMs)))) {
        kept ??= readings.slice(0, i);
        continue;
      }
      kept?.push(r);
    }
    return kept === null ? { kept: readings, dropped: 0, retimed } : { kept, dropped: readings.length - kept.length, retimed };
  }

  /**
   * Readings stored without the filter at a time of their own, for a device time they
   * share with another record (device-clock.ts `sharedTime`: the second record of a clock
   * stamped to the second, a stopped clock's): known under that time from now on, so that
   * a re-sent copy of them, which comes at that time, is one.
   */
  register(readings: readonly Reading[], overlay: Map<string, RecentEntry>, sharedTimeMs: number): void {
    let pending: RecentEntry | undefined;
    for (const r of readings) {
      if (r.deviceClockMs !== undefined) this.noteFiled(r.deviceId, r.deviceTimeMs);
      if (pending?.deviceId !== r.deviceId) pending = entryOf(overlay, r.deviceId, sharedTimeMs, r.receivedAtMs);
      remember(pending, r);
    }
  }

  /** Per reading of the append being filtered: what the window says of it. */
  private readonly marks: Seen[] = [];

  private seen(r: Reading, timeMs: number, pending: RecentEntry): Seen {
    let seen: Seen = this.ring.match(r.deviceId, timeMs, r.metric, r.value);
    if (seen === Seen.SAME) return seen;
    for (let j = 0; j < pending.metrics.length; j++) {
      if (pending.metrics[j] !== r.metric) continue;
      if (sameTime(pending.values[j]!, r.value)) return Seen.SAME;
      seen = Seen.OTHER;
    }
    return seen;
  }

  private freshTimes(readings: readonly Reading[]): number[] {
    const times: number[] = [];
    for (let i = 0; i < readings.length; i++) {
      if (this.marks[i] !== Seen.OTHER) continue;
      const r = readings[i]!;
      const ms = r.deviceClockMs ?? r.deviceTimeMs;
      if (!times.some((t) => sameTime(t, ms))) times.push(ms);
    }
    return times;
  }

  /**
   * Files the readings at `times` at their receive time. One time per device and record
   * time, after the device's previous re-filed or suspect one seen here, and clear of
   * every time the window or this append holds for the device (two readings of a metric
   * at one time would be one in the cloud). A reading already filed apart from its device
   * time (CLOCK_SUSPECT by device-clock.ts) stays where it is. (A suspect record that
   * device-clock.ts files later, in the same millisecond as a re-filed one, can still meet
   * it: its filing times do not know of these.)
   */
  private refile(readings: readonly Reading[], times: readonly number[], overlay: Map<string, RecentEntry>): number {
    let n = 0;
    const filed: { deviceId: string; timeMs: number; atMs: number }[] = [];
    for (const r of readings) {
      if (r.deviceClockMs !== undefined) {
        // Re-filed by an attempt of this group that was rolled back (commit-batch.ts commits
        // each entry alone then): where it was put stands, and it is counted again.
        if (this.refiled.has(r)) n++;
        continue;
      }
      if (!times.some((t) => sameTime(t, r.deviceTimeMs))) continue;
      let place = filed.find((f) => f.deviceId === r.deviceId && sameTime(f.timeMs, r.deviceTimeMs));
      if (place === undefined) {
        place = { deviceId: r.deviceId, timeMs: r.deviceTimeMs, atMs: this.fileAt(r.deviceId, r.receivedAtMs, readings, overlay) };
        filed.push(place);
      }
      r.deviceClockMs = r.deviceTimeMs;
      r.deviceTimeMs = place.atMs;
      r.flags |= QualityFlag.CLOCK_SUSPECT;
      this.refiled.add(r);
      n++;
    }
    return n;
  }

  /** The readings `refile` moved, while they live (the retry of a rolled-back group meets them again). */
  private readonly refiled = new WeakSet<Reading>();

  private noteFiled(deviceId: string, filedAtMs: number): void {
    if (filedAtMs > (this.lastFiledMs.get(deviceId) ?? Number.NEGATIVE_INFINITY)) this.lastFiledMs.set(deviceId, filedAtMs);
  }

  private fileAt(deviceId: string, receivedAtMs: number, readings: readonly Reading[], overlay: Map<string, RecentEntry>): number {
    let at = Math.max(receivedAtMs, (this.lastFiledMs.get(deviceId) ?? Number.NEGATIVE_INFINITY) + 1);
    const taken = (ms: number) =>
      this.ring.hasKey(deviceId, ms) || overlay.has(keyOf(deviceId, ms)) || readings.some((x) => x.deviceId === deviceId && x.deviceTimeMs === ms);
    while (taken(at)) at++;
    this.lastFiledMs.set(deviceId, at);
    return at;
  }

  /** Per device, the last time a record was filed at by `refile`, or a suspect one seen here. */
  private readonly lastFiledMs = new Map<string, number>();

  /** After the commit: what the transaction added is known from now on; old keys expire. */
  commit(overlay: Map<string, RecentEntry>): void {
    let newest = -Infinity;
    for (const e of overlay.values()) if (e.atMs > newest) newest = e.atMs;
    // (An empty overlay, a commit of no filtered reading, has no receive time to go by.)
    if (newest !== Number.NEGATIVE_INFINITY && newest < this.newestMs - this.windowMs) {
      // The gateway's clock was set back further than the window (an RTC that booted in
      // the future, then NTP): expiry goes by the newest receive time, so nothing would
      // expire until the clock caught up again, and the window would grow by the step
      // (days of a ward's keys). Start it again from now: a copy of a record received
      // before the step is then stored twice, never a reading lost.
      this.ring.expireBefore(Number.POSITIVE_INFINITY);
      this.lastFiledMs.clear();
      this.newestMs = newest;
    }
    for (const e of overlay.values()) {
      this.ring.add(e.deviceId, e.timeMs, e.metrics, e.values, e.atMs);
      if (e.atMs > this.newestMs) this.newestMs = e.atMs;
    }
    this.ring.expireBefore(this.newestMs - this.windowMs);
    if (this.lastFiledMs.size > 0) for (const [device, ms] of this.lastFiledMs) if (ms < this.newestMs - this.windowMs) this.lastFiledMs.delete(device);
  }

  /** Distinct keys (device, time) held. */
  get size(): number {
    return this.ring.size;
  }
}
