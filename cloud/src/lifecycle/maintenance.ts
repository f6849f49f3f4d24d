/**
 * Partition maintenance: makes sure vital_data has a partition for every UTC day from
 * today to `premakeDays` ahead. Idempotent and safe from many instances: a session
 * advisory lock is *tried* (a second instance skips instead of queueing), and the DDL
 * itself runs under ensurePartitions' transaction lock with lock_timeout, so it never
 * waits behind ingest for long (a timeout is retried on the next schedule).
 */
import { ensurePartitions } from '../storage/partitions.js';
import { isoDate, utcDay } from '../storage/utc-days.js';
import type { LifecycleContext } from './context.js';
import { LifecycleLock, withTryLock } from './locks.js';

export interface MaintenanceResult {
  /** False when another instance was maintaining at that moment (it does the work). */
  ran: boolean;
  fromDay: string;
  toDay: string;
  created: string[];
  existing: number;
}

export async function runPartitionMaintenance(ctx: LifecycleContext, premakeDays = ctx.settings.premakeDays): Promise<MaintenanceResult> {
  const today = utcDay(ctx.clock.now());
  const range = { fromDay: isoDate(today), toDay: isoDate(today + premakeDays) };
  const locked = await withTryLock(ctx.pool, LifecycleLock.MAINTENANCE, () =>
    ensurePartitions(ctx.pool, range, { lockTimeoutMs: ctx.settings.ddlLockTimeoutMs, logger: ctx.logger, clock: ctx.clock }),
  );
  if (!locked.ran) {
    ctx.logger.debug(range, 'partition maintenance is running in another instance; skipped');
    return { ran: false, ...range, created: [], existing: 0 };
  }
  ctx.metrics?.recordJob('maintenance', 'ok', ctx.clock.now());
  ctx.progress({ job: 'maintenance', step: 'done', subject: `${range.fromDay}..${range.toDay}`, done: locked.value.created.length });
  return { ran: true, ...range, ...locked.value };
}
