/**
 * One technical condition (a device's sensor off, the buffer above 95%...) driving one
 * alarm: raised once the condition has held `delayMs` (0 raises at once), cleared (or
 * latched, if configured high) when it ends.
 */
import type { AlarmPriority, Clock, TimerHandle } from '@wardlink/shared';
import type { AlarmBook, AlarmRecord, RaiseSpec } from './alarm-book.js';

export interface TechnicalSpec {
  priority: AlarmPriority;
  delayMs: number;
}

export class TechnicalAlarm {
  private pendingTimer: TimerHandle | null = null;
  private alarm: AlarmRecord | null;
  private present = false;

  constructor(
    private readonly key: string,
    private readonly condition: string,
    private readonly spec: TechnicalSpec,
    private readonly clock: Clock,
    private readonly book: AlarmBook,
  ) {
    this.alarm = book.byCondition(key) ?? null;
  }

  get isPresent(): boolean {
    return this.present;
  }

  /** Whether an alarm for this condition is live (raised, or latched). */
  get isRaised(): boolean {
    if (this.alarm?.closed) this.alarm = null;
    return this.alarm !== null;
  }

  /** The condition holds now. `describe` builds the alarm's fields when it is raised. */
  hold(describe: () => Omit<RaiseSpec, 'key' | 'priority' | 'condition'>, atMs = this.clock.now()): void {
    if (this.alarm?.closed) this.alarm = null;
    if (this.present) return;
    this.present = true;
    if (this.alarm) {
      this.book.conditionReturned(this.alarm, atMs);
      return;
    }
    const raise = (at: number) => {
      this.pendingTimer = null;
      this.alarm = this.book.raise({ ...describe(), key: this.key, condition: this.condition, priority: this.spec.priority }, at);
    };
    if (this.spec.delayMs <= 0) raise(atMs);
    else this.pendingTimer = this.clock.setTimeout(() => raise(this.clock.now()), this.spec.delayMs).unref();
  }

  /** The condition no longer holds. */
  release(atMs = this.clock.now()): void {
    if (!this.present) return;
    this.present = false;
    this.pendingTimer?.cancel();
    this.pendingTimer = null;
    if (this.alarm?.closed) this.alarm = null;
    if (this.alarm) this.book.conditionEnded(this.alarm, atMs);
    if (this.alarm?.closed) this.alarm = null;
  }

  stop(): void {
    this.pendingTimer?.cancel();
    this.pendingTimer = null;
  }
}
