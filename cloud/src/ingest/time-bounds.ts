/**
 * Reading times a batch may carry, against the server clock: from the first day of the
 * hot period (retention keeps `hotDays` UTC days including today, the longest of every
 * hospital's policy) to now + `maxFutureMs`. Outside it a batch would create a partition
 * that retention drops at its next run, or one years ahead: refused for good (422), never
 * used to create partitions. The hot period is read at most once a minute.
 */
import type pg from 'pg';
import { ReadingTimeOutOfBoundsError, type Clock } from '@wardlink/shared';
import { effectiveHotDays } from '../lifecycle/policy.js';

const DAY_MS = 86_400_000;

export class ReadingTimeBounds {
  private hotDays: { days: number; atMs: number } | undefined;

  constructor(
    private readonly opts: { pool: pg.Pool; maxFutureMs: number; defaultHotDays: number; clock: Clock; refreshMs?: number },
  ) {}

  async check(minTMs: number, maxTMs: number): Promise<void> {
    const now = this.opts.clock.now();
    const latestMs = now + this.opts.maxFutureMs;
    const earliestMs = Math.floor(now / DAY_MS) * DAY_MS - ((await this.days(now)) - 1) * DAY_MS;
    if (minTMs < earliestMs || maxTMs > latestMs) throw new ReadingTimeOutOfBoundsError({ minTMs, maxTMs, earliestMs, latestMs });
  }

  private async days(now: number): Promise<number> {
    if (this.hotDays === undefined || now - this.hotDays.atMs > (this.opts.refreshMs ?? 60_000)) {
      this.hotDays = { days: await effectiveHotDays(this.opts.pool, this.opts.defaultHotDays), atMs: now };
    }
    return this.hotDays.days;
  }
}
