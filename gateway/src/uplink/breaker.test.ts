import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '@wardlink/shared';
import { CircuitBreaker, type BreakerTransition } from './breaker.js';

let transitions: BreakerTransition[];
let breaker: CircuitBreaker;

beforeEach(() => {
  vi.useFakeTimers({ now: Date.UTC(2026, 2, 2, 8, 0, 0) });
  transitions = [];
  breaker = new CircuitBreaker({ failureThreshold: 3, openMs: 1000, maxOpenMs: 8000, clock: systemClock, onTransition: (t) => transitions.push(t) });
});
afterEach(() => {
  vi.useRealTimers();
});

const path = () => transitions.map((t) => `${t.from}->${t.to}`);

describe('CircuitBreaker', () => {
  it('opens after the threshold of consecutive failures; a success in between resets the count', () => {
    breaker.onFailure('WL_UPLINK_NETWORK');
    breaker.onFailure('WL_UPLINK_NETWORK');
    breaker.onSuccess();
    breaker.onFailure('WL_UPLINK_NETWORK');
    breaker.onFailure('WL_UPLINK_NETWORK');
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onFailure('WL_DB_UNAVAILABLE');
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual([{ from: 'closed', to: 'open', atMs: Date.now(), failures: 3, cooldownMs: 1000, reason: 'WL_DB_UNAVAILABLE' }]);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.retryAtMs()).toBe(Date.now() + 1000);
  });

  it('goes half-open after the cooldown, lets exactly one probe through, and closes on its success', () => {
    for (let i = 0; i < 3; i++) breaker.onFailure('x');
    vi.advanceTimersByTime(999);
    expect(breaker.state).toBe('open');
    vi.advanceTimersByTime(1);
    expect(breaker.state).toBe('half-open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false); // one probe at a time
    breaker.onSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(path()).toEqual(['closed->open', 'open->half-open', 'half-open->closed']);
  });

  it('reopens on a failed probe with a doubled cooldown, up to the cap, and resets it once closed', () => {
    for (let i = 0; i < 3; i++) breaker.onFailure('x');
    const cooldowns: number[] = [];
    for (let probe = 0; probe < 5; probe++) {
      vi.advanceTimersByTime(transitions.at(-1)!.cooldownMs!);
      expect(breaker.tryAcquire()).toBe(true);
      breaker.onFailure('x');
      cooldowns.push(transitions.at(-1)!.cooldownMs!);
    }
    expect(cooldowns).toEqual([2000, 4000, 8000, 8000, 8000]);
    vi.advanceTimersByTime(8000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.onSuccess();
    for (let i = 0; i < 3; i++) breaker.onFailure('x');
    expect(transitions.at(-1)).toMatchObject({ to: 'open', cooldownMs: 1000 });
  });

  it('gives back an unused probe slot, and ignores failures of requests started before it opened', () => {
    for (let i = 0; i < 3; i++) breaker.onFailure('x');
    breaker.onFailure('late'); // a request that was already in flight
    expect(transitions).toHaveLength(1);
    vi.advanceTimersByTime(1000);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.release(); // nothing to send after all
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.state).toBe('half-open');
  });
});
