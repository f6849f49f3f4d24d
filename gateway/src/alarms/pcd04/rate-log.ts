/**
 * Logging for a failure that may repeat every second for hours (a manager that is away,
 * one that refuses every message): the first of each code at once, then at most one line
 * per `everyMs` with how many were not logged, then the recovery.
 */
import type { Clock } from '@wardlink/shared';
import type { AlarmLogger } from '../types.js';
import type { Pcd04DeliveryError } from './errors.js';

export class RateLimitedLog {
  private readonly last = new Map<string, { atMs: number; suppressed: number }>();

  constructor(
    private readonly logger: AlarmLogger,
    private readonly clock: Clock,
    private readonly everyMs = 60_000,
  ) {}

  failure(err: Pcd04DeliveryError): void {
    const now = this.clock.monotonicMs();
    const seen = this.last.get(err.code);
    if (seen && now - seen.atMs < this.everyMs) {
      seen.suppressed += 1;
      return;
    }
    this.logger.warn({ err: err.toJSON(), notLoggedSinceLast: seen?.suppressed ?? 0 }, err.message);
    this.last.set(err.code, { atMs: now, suppressed: 0 });
  }

  /** A success after failures: say so once, and start counting afresh. */
  recovered(msg: string, detail: object = {}): void {
    if (this.last.size === 0) return;
    this.last.clear();
    this.logger.info(detail, msg);
  }
}
