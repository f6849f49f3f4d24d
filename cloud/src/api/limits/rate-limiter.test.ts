import { describe, expect, it } from 'vitest';
import type { Clock } from '@wardlink/shared';
import { TokenBucketLimiter } from './rate-limiter.js';

function manualClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  return {
    now: () => t,
    monotonicMs: () => t,
    setTimeout: () => ({ cancel: () => undefined, unref() { return this; } }),
    setInterval: () => ({ cancel: () => undefined, unref() { return this; } }),
    advance: (ms) => (t += ms),
  };
}

describe('TokenBucketLimiter', () => {
  it('lets a full burst through, then refills at the rate and says how long to wait', () => {
    const clock = manualClock();
    const limiter = new TokenBucketLimiter({ ratePerS: 1_000, burst: 5_000, clock });
    expect(limiter.take('gw', 4_000)).toEqual({ ok: true });
    expect(limiter.take('gw', 4_000)).toEqual({ ok: false, retryAfterS: 3 }); // 1,000 left, 3,000 missing
    clock.advance(2_500);
    expect(limiter.take('gw', 4_000)).toEqual({ ok: false, retryAfterS: 1 });
    clock.advance(500);
    expect(limiter.take('gw', 4_000)).toEqual({ ok: true });
    clock.advance(60_000); // never more than the burst
    expect(limiter.take('gw', 5_000)).toEqual({ ok: true });
    expect(limiter.take('gw', 1)).toEqual({ ok: false, retryAfterS: 1 });
  });

  it('keeps one bucket per gateway, and refunds tokens of a batch refused later', () => {
    const clock = manualClock();
    const limiter = new TokenBucketLimiter({ ratePerS: 10, burst: 100, clock });
    expect(limiter.take('a', 100).ok).toBe(true);
    expect(limiter.take('b', 100).ok).toBe(true);
    expect(limiter.take('a', 50)).toEqual({ ok: false, retryAfterS: 5 });
    limiter.refund('a', 60);
    expect(limiter.take('a', 50).ok).toBe(true);
    limiter.refund('b', 1_000);
    expect(limiter.take('b', 101).ok).toBe(false);
  });
});
