/**
 * Backpressure: the service takes on only as much concurrent work as it can finish
 * promptly, and answers the rest 503 + Retry-After (the gateway keeps the batch), never
 * queueing without bound and never 500.
 *
 * - in-flight requests: bounds sockets, bodies and decoders at work before anything is
 *   read (checked first, costs nothing);
 * - in-flight readings: bounds the memory of decoded batches (from the header's count);
 * - pool waiting: when more requests already wait for a PostgreSQL connection than
 *   `maxPoolWaiting`, one more would only time out in the queue.
 */
import type pg from 'pg';
import { OverloadedError } from '@wardlink/shared';

export interface AdmissionLimits {
  maxInFlightRequests: number;
  maxInFlightReadings: number;
  maxPoolWaiting: number;
}

/** A slot held by one request; release it exactly once, when the response is decided. */
export interface AdmissionTicket {
  /** Reserves `n` readings' worth of memory; throws 503 when over the bound. */
  reserveReadings(n: number): void;
  /** Throws 503 when too many requests already wait for a connection. */
  checkPool(): void;
  release(): void;
}

const RETRY_AFTER_S = 1;

export class Admission {
  private requests = 0;
  private readings = 0;

  constructor(
    private readonly limits: AdmissionLimits,
    private readonly pool: pg.Pool,
  ) {}

  get inFlightRequests(): number {
    return this.requests;
  }

  get inFlightReadings(): number {
    return this.readings;
  }

  admit(): AdmissionTicket {
    if (this.requests >= this.limits.maxInFlightRequests) {
      throw new OverloadedError('in-flight-requests', RETRY_AFTER_S, { limit: this.limits.maxInFlightRequests });
    }
    this.requests++;
    let reserved = 0;
    let released = false;
    return {
      reserveReadings: (n) => {
        // One batch alone is always admitted, so a bound below a batch cannot starve it.
        if (this.readings > 0 && this.readings + n > this.limits.maxInFlightReadings) {
          throw new OverloadedError('in-flight-readings', RETRY_AFTER_S, { limit: this.limits.maxInFlightReadings });
        }
        this.readings += n;
        reserved += n;
      },
      checkPool: () => {
        if (this.pool.waitingCount > this.limits.maxPoolWaiting) {
          throw new OverloadedError('pool-waiting', RETRY_AFTER_S, { waiting: this.pool.waitingCount, limit: this.limits.maxPoolWaiting });
        }
      },
      release: () => {
        if (released) return;
        released = true;
        this.requests--;
        this.readings -= reserved;
      },
    };
  }
}
