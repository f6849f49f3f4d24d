/**
 * One device's last few distinct device times, with the values its records gave at each:
 * what tells a re-sent copy (the same time, the same values) from a new measurement the
 * device's time does not tell apart (the same time, a new value: a clock stamped to the
 * second, one that stopped, one that stepped back). See device-clock.ts.
 *
 * Arrays allocated once per device: a record's values are copied in (numbers, and the
 * metric names, which are shared strings), so nothing of a record outlives it (the
 * gateway's GC cost is per surviving object, issue 18); a running clock's record costs a
 * comparison with the newest time and the copy (~20 ns for a record of three values).
 */

/** Distinct device times remembered: a clock that steps back by up to this many records. */
export const RECENT_TIMES = 32;
/** Metric values remembered per time: an instant's vitals, its NIBP, a second channel (~9 KB a device with the times). */
const VALUES_PER_TIME = 16;

/** One value of a record, as compared (ParsedObservation has these fields). */
export interface RecordValue {
  metric: string;
  value: number;
  /** A second channel of the metric (ParsedObservation.instance). */
  instance?: string;
}

export class RecentDeviceTimes {
  private readonly times = new Float64Array(RECENT_TIMES).fill(Number.NaN);
  /** Receive time of the first record at each time. */
  readonly firstAtMs = new Float64Array(RECENT_TIMES);
  /** Whether the first record at each time was trusted (its copies share its verdict). */
  readonly trusted = new Uint8Array(RECENT_TIMES);
  /** The last offset a record at each time was filed at (a coarse tick's, device-clock.ts). */
  readonly lastOffsetMs = new Uint16Array(RECENT_TIMES);
  private readonly counts = new Uint8Array(RECENT_TIMES);
  /** A time with more values than VALUES_PER_TIME: one not remembered may have been seen. */
  private readonly overflowed = new Uint8Array(RECENT_TIMES);
  private readonly metrics: string[] = new Array<string>(RECENT_TIMES * VALUES_PER_TIME).fill('');
  private readonly instances: (string | undefined)[] = new Array<string | undefined>(RECENT_TIMES * VALUES_PER_TIME).fill(undefined);
  private readonly values = new Float64Array(RECENT_TIMES * VALUES_PER_TIME);
  /** No remembered time is later (it may be a forgotten one's): a later time needs no search. */
  private latestMs = -Infinity;
  private next = 0;

  /** The slot of a device time, or -1. */
  find(timeMs: number): number {
    if (timeMs > this.latestMs) return -1;
    for (let i = 0; i < RECENT_TIMES; i++) if (this.times[i] === timeMs) return i;
    return -1;
  }

  /** Remembers a new time (forgetting the oldest), with its first record's values. */
  add(timeMs: number, receivedAtMs: number, trusted: boolean, values: readonly RecordValue[]): number {
    const slot = this.next;
    this.next = (slot + 1) % RECENT_TIMES;
    this.times[slot] = timeMs;
    if (timeMs > this.latestMs) this.latestMs = timeMs;
    this.firstAtMs[slot] = receivedAtMs;
    this.trusted[slot] = trusted ? 1 : 0;
    this.lastOffsetMs[slot] = 0;
    const base = slot * VALUES_PER_TIME;
    const count = Math.min(values.length, VALUES_PER_TIME);
    for (let i = 0; i < count; i++) {
      const v = values[i]!;
      this.metrics[base + i] = v.metric;
      this.instances[base + i] = v.instance;
      this.values[base + i] = v.value;
    }
    this.counts[slot] = count;
    this.overflowed[slot] = values.length > VALUES_PER_TIME ? 1 : 0;
    return slot;
  }

  /**
   * Whether `values` gives a metric already seen at the slot's time a value never seen with
   * it there: a new measurement, which a re-sent copy (same values) or another message of
   * that instant (other metrics) is not. At a time with more values than are remembered,
   * a metric not remembered counts as new: a copy stored twice rather than a reading lost.
   */
  novel(slot: number, values: readonly RecordValue[]): boolean {
    const base = slot * VALUES_PER_TIME;
    const end = base + this.counts[slot]!;
    for (const v of values) {
      let seen = false;
      let same = false;
      for (let i = base; i < end; i++) {
        if (this.metrics[i] !== v.metric || this.instances[i] !== v.instance) continue;
        seen = true;
        if (Object.is(this.values[i], v.value)) same = true;
      }
      if (seen ? !same : this.overflowed[slot] === 1) return true;
    }
    return false;
  }

  /** Adds the values not yet seen at the slot's time (as room allows). */
  remember(slot: number, values: readonly RecordValue[]): void {
    const base = slot * VALUES_PER_TIME;
    for (const v of values) {
      const count = this.counts[slot]!;
      let known = false;
      for (let i = base; i < base + count && !known; i++) {
        known = this.metrics[i] === v.metric && this.instances[i] === v.instance && Object.is(this.values[i], v.value);
      }
      if (known) continue;
      if (count === VALUES_PER_TIME) {
        this.overflowed[slot] = 1;
        return;
      }
      this.metrics[base + count] = v.metric;
      this.instances[base + count] = v.instance;
      this.values[base + count] = v.value;
      this.counts[slot] = count + 1;
    }
  }
}
