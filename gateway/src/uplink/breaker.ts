/**
 * A circuit breaker in front of the cloud.
 *
 * - closed: requests flow; `failureThreshold` consecutive failures open it.
 * - open: no request starts until the cooldown ends. The cooldown starts at `openMs` and
 *   doubles each time a probe fails, up to `maxOpenMs`, so a long outage costs one probe
 *   every few minutes instead of a stream of doomed uploads.
 * - half-open: exactly one probe may go; its success closes the breaker, its failure
 *   opens it again.
 *
 * Time comes from the injected Clock, and open -> half-open happens when the state is
 * next read after the cooldown (the uploader wakes at `retryAtMs()` to read it). Every
 * transition is reported once to `onTransition` (the uplink logs it and sets a metric).
 */
import type { Clock } from '@wardlink/shared';

export type BreakerState = 'closed' | 'open' | 'half-open';
export const BREAKER_STATES: readonly BreakerState[] = ['closed', 'open', 'half-open'];

export interface BreakerTransition {
  from: BreakerState;
  to: BreakerState;
  atMs: number;
  /** Consecutive failures so far. */
  failures: number;
  /** When opened: how long until the next probe, ms. */
  cooldownMs?: number;
  /** What the last failure was (an error code). */
  reason?: string;
}

export interface BreakerOptions {
  failureThreshold: number;
  openMs: number;
  maxOpenMs: number;
  clock: Clock;
  onTransition?: (t: BreakerTransition) => void;
}

export class CircuitBreaker {
  private current: BreakerState = 'closed';
  private failures = 0;
  private openedAtMs = 0;
  private cooldownMs: number;
  private probing = false;

  constructor(private readonly opts: BreakerOptions) {
    this.cooldownMs = opts.openMs;
  }

  get state(): BreakerState {
    if (this.current === 'open' && this.opts.clock.now() >= this.openedAtMs + this.cooldownMs) this.move('half-open');
    return this.current;
  }

  get consecutiveFailures(): number {
    return this.failures;
  }

  /** May a request start now? In half-open only one at a time (the probe). */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.probing) return false;
    this.probing = true;
    return true;
  }

  /** Gives back a slot taken with `tryAcquire` that was not used (nothing to send). */
  release(): void {
    this.probing = false;
  }

  /** When the next request may start if the breaker is open, else null. */
  retryAtMs(): number | null {
    return this.state === 'open' ? this.openedAtMs + this.cooldownMs : null;
  }

  /** The cloud answered (2xx, or a 4xx that proves it is up). */
  onSuccess(): void {
    this.probing = false;
    this.failures = 0;
    this.cooldownMs = this.opts.openMs;
    if (this.current !== 'closed') this.move('closed');
  }

  /** The cloud could not be reached or failed (network error, timeout, 5xx). */
  onFailure(reason: string): void {
    this.failures += 1;
    const state = this.state;
    if (state === 'half-open') {
      this.probing = false;
      this.cooldownMs = Math.min(this.opts.maxOpenMs, this.cooldownMs * 2);
      this.open(reason);
    } else if (state === 'closed' && this.failures >= this.opts.failureThreshold) {
      this.open(reason);
    }
    // Already open: a request started before it opened failed too; nothing changes.
  }

  private open(reason: string): void {
    this.openedAtMs = this.opts.clock.now();
    this.move('open', reason);
  }

  private move(to: BreakerState, reason?: string): void {
    const from = this.current;
    this.current = to;
    this.opts.onTransition?.({
      from,
      to,
      atMs: this.opts.clock.now(),
      failures: this.failures,
      ...(to === 'open' ? { cooldownMs: this.cooldownMs } : {}),
      ...(reason === undefined ? {} : { reason }),
    });
  }
}
