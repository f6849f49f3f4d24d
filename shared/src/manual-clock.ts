/**
 * A Clock driven by hand, for tests: time moves, and timers fire in time order, only when
 * the test says so (`advance`), or jumps without firing (`set`).
 */
import type { Clock, TimerHandle } from './timers.js';

interface Pending {
  at: number;
  fn: () => void;
  every: number | null;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private timers: Pending[] = [];

  constructor(private nowMs = 1_736_928_000_000) {}

  /** Jumps to an absolute time without firing timers in between (days apart in retention tests). */
  set(ms: number): void {
    this.nowMs = ms;
  }

  now(): number {
    return this.nowMs;
  }

  monotonicMs(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.add({ at: this.nowMs + Math.max(0, delayMs), fn, every: null, cancelled: false });
  }

  setInterval(fn: () => void, intervalMs: number): TimerHandle {
    return this.add({ at: this.nowMs + Math.max(1, intervalMs), fn, every: Math.max(1, intervalMs), cancelled: false });
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.timers.filter((t) => !t.cancelled).length;
  }

  /** Moves time forward, firing every timer that falls due, in time order. */
  advance(ms: number): void {
    const end = this.nowMs + ms;
    for (;;) {
      const due = this.timers.filter((t) => !t.cancelled && t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.nowMs = Math.max(this.nowMs, due.at);
      if (due.every === null) due.cancelled = true;
      else due.at += due.every;
      due.fn();
    }
    this.timers = this.timers.filter((t) => !t.cancelled);
    this.nowMs = end;
  }

  private add(p: Pending): TimerHandle {
    this.timers.push(p);
    const handle: TimerHandle = {
      cancel: () => {
        p.cancelled = true;
      },
      unref: () => handle,
    };
    return handle;
  }
}
