/**
 * One (bed, metric, direction) state machine: its priority bands, each with a condition
 * delay and hysteresis, and the one alarm they drive.
 *
 * Per band:
 *   idle --value beyond limit--> pending --held delayMs (timer)--> active
 *   pending --value back within limit, or a flagged sample, or comm-loss--> idle
 *   active --value back past limit -/+ hysteresis--> idle
 * Time is the gateway's receive time (see README: device clocks jump and drift; a
 * backwards device clock would hold a pending condition forever and miss the alarm).
 * A band's delay runs on a Clock timer, so the alarm is raised delayMs after the first
 * sample beyond the limit, whatever the sample rate, unless a contrary sample came first.
 *
 * The alarm's priority is the most urgent active band's (never dropping while it lasts);
 * it clears when no band is active (or stays latched, see AlarmBook).
 */
import { METRICS, unitLabel, type Clock, type MetricId, type TimerHandle } from '@wardlink/shared';
import type { AlarmBook, AlarmRecord } from './alarm-book.js';
import { PRIORITY_RANK, type Band, type Direction } from './types.js';

interface BandState {
  band: Band;
  pendingSinceMs: number | null;
  timer: TimerHandle | null;
  active: boolean;
}

/** Who the alarm is about, refreshed with each reading. */
export interface TrackerContext {
  bedId: string;
  patientId: string | null;
  deviceId: string;
}

export function beyond(direction: Direction, value: number, limit: number): boolean {
  return direction === 'low' ? value < limit : value > limit;
}

export function backInside(direction: Direction, value: number, band: Band): boolean {
  return direction === 'low' ? value >= band.limit + band.hysteresis : value <= band.limit - band.hysteresis;
}

/** The limit of the band a value is beyond first: the highest low limit, the lowest high one. */
function firstLimitOf(direction: Direction, bands: readonly Band[]): number {
  let first = direction === 'low' ? -Infinity : Infinity;
  for (const b of bands) first = direction === 'low' ? Math.max(first, b.limit) : Math.min(first, b.limit);
  return first;
}

export class LimitTracker {
  private states: BandState[] = [];
  /**
   * Only true while no band is active or pending (found at the end of a full sample). A
   * sample then within `firstLimit` changes no band: it is judged without visiting them,
   * the common case by far (issue 18: on a busy gateway the bands are cold in the cache).
   */
  private quiet = false;
  /** The limit a value passes first on its way beyond any band (no band: never passed). */
  private firstLimit: number;
  private alarm: AlarmRecord | null = null;
  private lastValue: number | null = null;
  private ctx: TrackerContext;

  constructor(
    readonly metric: MetricId,
    readonly direction: Direction,
    readonly key: string,
    ctx: TrackerContext,
    private readonly clock: Clock,
    private readonly book: AlarmBook,
  ) {
    this.ctx = ctx;
    this.firstLimit = firstLimitOf(direction, []);
    // A latched alarm restored at start (or left by a previous binding) is taken over.
    this.alarm = book.byCondition(key) ?? null;
  }

  /** Sets the bands. Active bands of the same priority stay active; pending ones restart. */
  bind(bands: readonly Band[]): void {
    const wasActive = new Set(this.states.filter((s) => s.active).map((s) => s.band.priority));
    this.reset();
    this.states = bands.map((band) => ({ band, pendingSinceMs: null, timer: null, active: wasActive.has(band.priority) }));
    this.firstLimit = firstLimitOf(this.direction, bands);
    this.quiet = false;
  }

  /** A clean sample. */
  sample(value: number, atMs: number, ctx: TrackerContext): void {
    this.ctx = ctx;
    this.lastValue = value;
    if (this.quiet && !beyond(this.direction, value, this.firstLimit)) {
      // What the loop below would find: every band idle and staying so.
      this.settleTo(undefined, atMs, value);
      return;
    }
    for (const s of this.states) {
      if (s.active) {
        if (backInside(this.direction, value, s.band)) s.active = false;
      } else if (beyond(this.direction, value, s.band.limit)) {
        if (s.pendingSinceMs === null) this.startPending(s, atMs);
      } else {
        this.cancel(s);
      }
    }
    this.settle(atMs, value);
    this.quiet = this.states.every((s) => !s.active && s.pendingSinceMs === null);
  }

  /** A flagged sample (invalid, sensor off, demo) or lost link: no evidence either way.
   * Pending conditions restart; an alarm already raised stays as it is. */
  interrupt(): void {
    for (const s of this.states) this.cancel(s);
  }

  /** Re-evaluates the last clean value (after the rules changed). */
  reevaluate(atMs: number): void {
    if (this.lastValue !== null) this.sample(this.lastValue, atMs, this.ctx);
    else this.settle(atMs, null);
  }

  /** Cancels every timer (shutdown, or before rebinding). */
  reset(): void {
    for (const s of this.states) this.cancel(s);
  }

  private startPending(s: BandState, atMs: number): void {
    s.pendingSinceMs = atMs;
    const due = s.band.delayMs - (this.clock.now() - atMs);
    if (due <= 0) {
      s.pendingSinceMs = null;
      s.active = true;
      return;
    }
    s.timer = this.clock.setTimeout(() => {
      s.timer = null;
      s.pendingSinceMs = null;
      s.active = true;
      this.quiet = false;
      this.settle(this.clock.now(), this.lastValue);
    }, due);
    s.timer.unref();
  }

  private cancel(s: BandState): void {
    s.timer?.cancel();
    s.timer = null;
    s.pendingSinceMs = null;
  }

  /** Brings the alarm in line with the bands. */
  private settle(atMs: number, value: number | null): void {
    this.settleTo(this.states.find((s) => s.active)?.band, atMs, value);
  }

  /** `top`: the first active band, if any. */
  private settleTo(top: Band | undefined, atMs: number, value: number | null): void {
    if (this.alarm?.closed) this.alarm = null;
    const alarm = this.alarm;
    if (!top) {
      if (alarm?.conditionPresent) this.book.conditionEnded(alarm, atMs, value);
      if (this.alarm?.closed) this.alarm = null;
      return;
    }
    if (!alarm) {
      this.alarm = this.book.raise(
        {
          key: this.key,
          bedId: this.ctx.bedId,
          patientId: this.ctx.patientId,
          deviceId: this.ctx.deviceId,
          source: 'physiological',
          metric: this.metric,
          condition: this.direction,
          priority: top.priority,
          value,
          message: this.message(value, top),
        },
        atMs,
      );
      return;
    }
    if (!alarm.conditionPresent) this.book.conditionReturned(alarm, atMs, value, this.message(value, top));
    const rises = PRIORITY_RANK[top.priority] < PRIORITY_RANK[alarm.priority];
    const worse = value !== null && (alarm.value === null || beyond(this.direction, value, alarm.value));
    if (rises || worse) {
      this.book.worsen(alarm, { ...(worse ? { value } : {}), ...(rises ? { priority: top.priority } : {}), message: this.message(worse ? value : alarm.value, top) }, atMs);
    } else if (value !== null) {
      this.book.observe(alarm, value);
    }
  }

  private message(value: number | null, band: Band): string {
    const m = METRICS[this.metric];
    const shown = value === null ? '' : ` ${value} ${unitLabel(m.ucum)}`;
    return `${m.displayName}${shown} ${this.direction === 'low' ? 'below' : 'above'} ${band.limit} (bed ${this.ctx.bedId})`;
  }
}
