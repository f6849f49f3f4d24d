/**
 * A token bucket per gateway, in readings: it refills at `ratePerS` up to `burst`, and a
 * batch takes as many tokens as it has readings. The count comes from the batch header
 * (peekBatchHeader), so a refused batch costs no decompression. An empty bucket answers
 * 429 with the whole seconds until enough tokens are back.
 *
 * Per instance: N instances behind a load balancer allow up to N times the rate, which
 * is the point of the limit (protect each instance and PostgreSQL from one runaway
 * gateway), not an exact global quota.
 */
import { systemClock, type Clock } from '@wardlink/shared';

export interface RateLimiterOptions {
  ratePerS: number;
  burst: number;
  clock?: Clock;
}

export type TakeResult = { ok: true } | { ok: false; retryAfterS: number };

interface Bucket {
  tokens: number;
  at: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly clock: Clock;

  constructor(private readonly options: RateLimiterOptions) {
    if (!(options.ratePerS > 0) || !(options.burst > 0)) throw new RangeError('rate and burst must be positive');
    this.clock = options.clock ?? systemClock;
  }

  get ratePerS(): number {
    return this.options.ratePerS;
  }

  /** Takes `n` tokens from `key`'s bucket, or says how long until they are there. */
  take(key: string, n: number): TakeResult {
    const bucket = this.refilled(key);
    if (bucket.tokens >= n) {
      bucket.tokens -= n;
      return { ok: true };
    }
    const missing = Math.min(n, this.options.burst) - bucket.tokens;
    return { ok: false, retryAfterS: Math.max(1, Math.ceil(missing / this.options.ratePerS)) };
  }

  /** Gives tokens back (a batch that was refused later, e.g. 503, must not count). */
  refund(key: string, n: number): void {
    const bucket = this.refilled(key);
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + n);
  }

  private refilled(key: string): Bucket {
    const now = this.clock.monotonicMs();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: this.options.burst, at: now };
      this.buckets.set(key, bucket);
      return bucket;
    }
    bucket.tokens = Math.min(this.options.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.options.ratePerS);
    bucket.at = now;
    return bucket;
  }
}
