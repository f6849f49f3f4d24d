/**
 * A `Clock` that moves only when told, for alarm tests that replay hours of ward data in
 * seconds. Timers fire in time order (ties in the order they were set), each with `now()`
 * at its due time, exactly as a real clock would have run them.
 */
import type { Clock, TimerHandle } from '@wardlink/shared';

interface Timer {
  at: number;
  seq: number;
  fn: () => void;
  everyMs: number | null;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private nowMs: number;
  private seq = 0;
  private readonly heap: Timer[] = [];

  constructor(startMs: number) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  monotonicMs(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, delayMs: number): TimerHandle {
    return this.add(fn, Math.max(0, delayMs), null);
  }

  setInterval(fn: () => void, intervalMs: number): TimerHandle {
    return this.add(fn, Math.max(1, intervalMs), Math.max(1, intervalMs));
  }

  /** Runs every timer due up to `t`, then sets the time to `t` (never backwards). */
  advanceTo(t: number): void {
    for (;;) {
      const top = this.heap[0];
      if (!top || top.at > t) break;
      this.pop();
      if (top.cancelled) continue;
      this.nowMs = Math.max(this.nowMs, top.at);
      if (top.everyMs !== null) {
        top.at += top.everyMs;
        top.seq = ++this.seq;
        this.push(top);
      }
      top.fn();
    }
    this.nowMs = Math.max(this.nowMs, t);
  }

  advanceBy(ms: number): void {
    this.advanceTo(this.nowMs + ms);
  }

  /** Timers not yet fired or cancelled. */
  get pending(): number {
    return this.heap.filter((t) => !t.cancelled).length;
  }

  private add(fn: () => void, delayMs: number, everyMs: number | null): TimerHandle {
    const timer: Timer = { at: this.nowMs + delayMs, seq: ++this.seq, fn, everyMs, cancelled: false };
    this.push(timer);
    const handle: TimerHandle = {
      cancel: () => {
        timer.cancelled = true;
      },
      unref: () => handle,
    };
    return handle;
  }

  private less(a: Timer, b: Timer): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(t: Timer): void {
    const h = this.heap;
    h.push(t);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i]!, h[p]!)) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    h[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
