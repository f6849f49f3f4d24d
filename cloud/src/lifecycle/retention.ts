/**
 * `retention run`: archive every partition past the hot period (resuming unfinished
 * jobs first), then purge archives past their archive period, then the small tables:
 * batch ledger rows past the hot period, alarm events past the archive period. One instance at a time
 * (session advisory locks RETENTION and PURGE, tried, never waited for); `dryRun`
 * prints the plan and changes nothing.
 */
import { isoDate, utcDay } from '../storage/utc-days.js';
import { listVitalPartitions } from '../storage/partitions.js';
import type { LifecycleContext } from './context.js';
import { runArchiveJob, type ArchiveHooks, type ArchiveJobResult } from './archive/archive-job.js';
import { openJob, unfinishedJobs, type ArchiveState } from './archive/jobs.js';
import { LifecycleLock, withTryLock } from './locks.js';
import { effectiveHotDays } from './policy.js';
import { purgeAlarmEvents, type AlarmEventsPurgeResult } from './alarm-events-purge.js';
import { pruneLedger, type LedgerPruneResult } from './ledger-prune.js';
import { planPurge, runPurge, type PurgePlan, type PurgeResult } from './purge.js';

export interface ArchivePlanItem {
  partition: string;
  day: string;
  /** 'new', or the state an unfinished job resumes from. */
  state: ArchiveState | 'new';
  generation?: number;
  /** pg_class estimate, or null when the partition is already detached. */
  rowsEstimate: number | null;
  bytes: number | null;
}

export interface RetentionPlan {
  today: string;
  hotDays: number;
  /** Partitions of this day and before leave the hot store. */
  lastArchivedDay: string;
  archive: ArchivePlanItem[];
  purge: PurgePlan;
}

export interface RetentionRunOptions {
  dryRun?: boolean;
  /** Skip the purge (archive only). */
  skipPurge?: boolean;
  hooks?: ArchiveHooks;
  /** Stop at the first failed partition instead of going on with the next (tests). */
  failFast?: boolean;
}

export interface RetentionResult {
  plan: RetentionPlan;
  /** False when another instance held the lock: nothing was done. */
  ran: boolean;
  archived: ArchiveJobResult[];
  failed: Array<{ partition: string; code: string; message: string }>;
  purge?: PurgeResult;
  purgeSkipped?: 'busy';
  alarmEvents?: AlarmEventsPurgeResult;
  ledger?: LedgerPruneResult;
}

export async function planRetention(ctx: LifecycleContext): Promise<RetentionPlan> {
  const today = utcDay(ctx.clock.now());
  const hotDays = await effectiveHotDays(ctx.pool, ctx.settings.hotDays);
  // The hot store keeps `hotDays` UTC days including today.
  const lastArchived = today - hotDays;
  const sizes = await ctx.pool.query<{ name: string; rows: number; bytes: number }>(
    `SELECT c.relname AS name, c.reltuples::float8 AS rows, pg_total_relation_size(c.oid)::float8 AS bytes
     FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'vital_data'::regclass`,
  );
  const size = new Map(sizes.rows.map((r) => [r.name, r]));
  const unfinished = await unfinishedJobs(ctx.pool);
  const resuming = new Set(unfinished.map((j) => j.partitionName));
  const archive: ArchivePlanItem[] = unfinished.map((j) => ({
    partition: j.partitionName,
    day: j.day,
    state: j.state,
    generation: j.generation,
    rowsEstimate: size.get(j.partitionName) ? Math.max(0, size.get(j.partitionName)!.rows) : j.rows,
    bytes: size.get(j.partitionName)?.bytes ?? null,
  }));
  for (const p of await listVitalPartitions(ctx.pool)) {
    const day = utcDay(p.from);
    if (day > lastArchived || resuming.has(p.name)) continue;
    const s = size.get(p.name);
    archive.push({ partition: p.name, day: isoDate(day), state: 'new', rowsEstimate: s ? Math.max(0, s.rows) : null, bytes: s?.bytes ?? null });
  }
  archive.sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
  return { today: isoDate(today), hotDays, lastArchivedDay: isoDate(lastArchived), archive, purge: await planPurge(ctx) };
}

export async function runRetention(ctx: LifecycleContext, options: RetentionRunOptions = {}): Promise<RetentionResult> {
  if (options.dryRun) return { plan: await planRetention(ctx), ran: false, archived: [], failed: [] };
  const locked = await withTryLock(ctx.pool, LifecycleLock.RETENTION, async () => {
    const plan = await planRetention(ctx);
    const archived: ArchiveJobResult[] = [];
    const failed: RetentionResult['failed'] = [];
    for (const [i, item] of plan.archive.entries()) {
      ctx.progress({ job: 'retention', step: 'archiving', subject: item.partition, done: i, total: plan.archive.length });
      try {
        const job = await openJob(ctx.pool, item.day, item.partition, new Date(ctx.clock.now()));
        archived.push(await runArchiveJob(ctx, job, options.hooks));
      } catch (err) {
        if (options.failFast) throw err;
        const e = err as { code?: string; message?: string };
        ctx.logger.error({ err, partition: item.partition }, 'archiving a partition failed; it stays in place and is retried on the next run');
        ctx.metrics?.recordJob('archive', 'failed');
        failed.push({ partition: item.partition, code: e.code ?? 'WL_INTERNAL', message: String(e.message ?? err) });
      }
    }
    ctx.progress({ job: 'retention', step: 'archived', done: archived.length, total: plan.archive.length });
    const result: RetentionResult = { plan, ran: true, archived, failed };
    if (!options.skipPurge) {
      // Planned afresh: the archive step may just have created objects that are already due.
      const purge = await withTryLock(ctx.pool, LifecycleLock.PURGE, async () => {
        const objects = await runPurge(ctx);
        return { objects, alarmEvents: await purgeAlarmEvents(ctx) };
      });
      if (purge.ran) {
        result.purge = purge.value.objects;
        result.alarmEvents = purge.value.alarmEvents;
      } else result.purgeSkipped = 'busy';
    }
    result.ledger = await pruneLedger(ctx);
    return result;
  });
  if (!locked.ran) {
    ctx.logger.info('another instance is running retention; skipped');
    return { plan: await planRetention(ctx), ran: false, archived: [], failed: [] };
  }
  ctx.metrics?.recordJob('retention', locked.value.failed.length ? 'failed' : 'ok', ctx.clock.now());
  return locked.value;
}

