/**
 * Rows outside the premade range are never lost (the loader creates a missing day's
 * partition before its COPY), but they must not be silent either. This check, run every
 * 30 s by the scheduler (so an alert fires within a minute), looks for:
 * - missing-partition: no partition for today or tomorrow, where incoming data goes;
 * - premake-incomplete: fewer premade days than configured (maintenance not running);
 * - future-rows: readings more than futureToleranceMs after now (a device clock ahead);
 * - beyond-premade-range: partitions past the premade range, created on demand by the
 *   loader for such readings (e.g. a device clock years ahead);
 * - late-rows-for-archived-day: a partition re-created for a day already archived and
 *   dropped (a backlog older than the hot period); the next retention run archives it
 *   as a new generation.
 * Each alert is logged at error level when it appears or changes, and exported as the
 * wardlink_cloud_partition_range_alert{kind} gauge.
 */
import { listVitalPartitions } from '../storage/partitions.js';
import { isoDate, utcDay } from '../storage/utc-days.js';
import { droppedDays } from './archive/jobs.js';
import type { LifecycleContext } from './context.js';

export const RANGE_ALERT_KINDS = ['missing-partition', 'premake-incomplete', 'future-rows', 'beyond-premade-range', 'late-rows-for-archived-day'] as const;
export type RangeAlertKind = (typeof RANGE_ALERT_KINDS)[number];

export interface RangeAlert {
  kind: RangeAlertKind;
  /** Days or partitions concerned. */
  subjects: string[];
  /** Rows concerned (counted up to ROW_CAP). */
  rows?: number;
  message: string;
}

export interface RangeCheck {
  at: string;
  premadeUntil: string;
  alerts: RangeAlert[];
}

const ROW_CAP = 1_000_000;

async function countRows(ctx: LifecycleContext, table: string, where = 'true', params: unknown[] = []): Promise<number> {
  const res = await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM (SELECT 1 FROM "${table}" WHERE ${where} LIMIT ${ROW_CAP}) x`, params);
  return res.rows[0]!.n;
}

export async function checkPartitionRange(ctx: LifecycleContext): Promise<RangeCheck> {
  const now = ctx.clock.now();
  const today = utcDay(now);
  const lastPremade = today + ctx.settings.premakeDays;
  const partitions = await listVitalPartitions(ctx.pool);
  const byDay = new Map(partitions.map((p) => [utcDay(p.from), p.name]));
  const alerts: RangeAlert[] = [];

  const missingNow = [today, today + 1].filter((d) => !byDay.has(d)).map(isoDate);
  if (missingNow.length) {
    alerts.push({ kind: 'missing-partition', subjects: missingNow, message: `no vital_data partition for ${missingNow.join(', ')}: the loader creates it on demand, but maintenance is not keeping up; run "wardlink-cloud partitions maintain"` });
  }
  const missingAhead: string[] = [];
  for (let d = today + 2; d <= lastPremade; d++) if (!byDay.has(d)) missingAhead.push(isoDate(d));
  if (missingAhead.length) {
    alerts.push({ kind: 'premake-incomplete', subjects: missingAhead, message: `${missingAhead.length} of the ${ctx.settings.premakeDays} premade days have no partition; is partition maintenance running?` });
  }

  const futureFrom = new Date(now + ctx.settings.futureToleranceMs);
  const future = await countRows(ctx, 'vital_data', 't > $1', [futureFrom]);
  if (future > 0) {
    alerts.push({ kind: 'future-rows', subjects: [], rows: future, message: `${future} reading(s) are timed after ${futureFrom.toISOString()}: a device or gateway clock is ahead; they are stored, fix the clock` });
  }

  const beyond = partitions.filter((p) => utcDay(p.from) > lastPremade);
  if (beyond.length) {
    let rows = 0;
    for (const p of beyond) rows += await countRows(ctx, p.name);
    alerts.push({ kind: 'beyond-premade-range', subjects: beyond.map((p) => p.name), rows, message: `${rows} reading(s) arrived for days past the premade range (${beyond.map((p) => p.name).join(', ')}); they are stored in partitions created on demand` });
  }

  const archived = await droppedDays(ctx.pool);
  const late = partitions.filter((p) => archived.has(isoDate(utcDay(p.from))));
  if (late.length) {
    let rows = 0;
    for (const p of late) rows += await countRows(ctx, p.name);
    alerts.push({ kind: 'late-rows-for-archived-day', subjects: late.map((p) => p.name), rows, message: `${rows} reading(s) arrived for day(s) already archived (${late.map((p) => p.name).join(', ')}); the next retention run archives them as a new generation` });
  }
  return { at: new Date(now).toISOString(), premadeUntil: isoDate(lastPremade), alerts };
}

/** Runs the check and alerts on changes (error log + gauge); quiet while nothing changes. */
export class RangeMonitor {
  private last = new Map<RangeAlertKind, string>();

  constructor(private readonly ctx: LifecycleContext) {}

  async check(): Promise<RangeCheck> {
    const result = await checkPartitionRange(this.ctx);
    const current = new Map(result.alerts.map((a) => [a.kind, `${a.subjects.join(',')}|${a.rows ?? ''}`]));
    for (const a of result.alerts) {
      if (this.last.get(a.kind) !== current.get(a.kind)) {
        const level = a.kind === 'premake-incomplete' ? 'warn' : 'error';
        this.ctx.logger[level]({ alert: 'partition-range', kind: a.kind, subjects: a.subjects.slice(0, 20), rows: a.rows }, a.message);
      }
    }
    for (const kind of this.last.keys()) if (!current.has(kind)) this.ctx.logger.info({ alert: 'partition-range', kind }, 'partition range alert cleared');
    this.last = current;
    this.ctx.metrics?.setRangeAlerts(result.alerts);
    return result;
  }
}
