/**
 * Where a report's aggregates come from: REPORT_SQL over the attached partitions, and
 * for the period's days that left them, the same aggregates computed from the archive
 * (DuckDB over the day's objects) or from the detached partitions of a day whose archive
 * job runs. All are in REPORT_SQL's order (patient, metric, bucket), so they are merged
 * as they stream; a bucket found in several sources (late readings of an archived day)
 * is combined into one row.
 */
import { archivedAggregates } from '../../../lifecycle/archive/archived-aggregates.js';
import { ArchivedReadingsReader } from '../../../lifecycle/archive/archived-readings.js';
import { locateDays, movedDays, type DayRange } from '../../../lifecycle/archive/day-locations.js';
import { detachedDayReportSql } from '../../../lifecycle/archive/detached-day-sql.js';
import { NOT_PHYSIOLOGY } from '../../../storage/not-physiology.js';
import { REPORT_SQL } from '../../../storage/queries.js';
import { isoDate, utcDay } from '../../../storage/utc-days.js';
import type { ReadRouteDeps } from './deps.js';
import { archiveSource } from './archive-source.js';
import { ArchiveUnavailableError, HistoryDayMovedError, HistoryPurgedError } from './history-errors.js';
import type { ReportRow } from './report-format.js';
import { compareCodePoints, cursorSource, lazySource, mergeSources, type RowSource } from './row-source.js';

export interface ReportRequest {
  hospitalId: string;
  from: Date;
  to: Date;
  bucket: '1 hour' | '1 day';
}

export interface ReportPlan {
  source: RowSource<ReportRow>;
  archivedDays: string[];
  /** After the last row: throws HistoryDayMovedError if a day of the period moved
   * between PostgreSQL and the archive while the report was read. */
  check(): Promise<void>;
}

type Part = ReportRow & { vsum?: number | null };

const order = (a: Part, b: Part) => compareCodePoints(a.patient_id, b.patient_id) || a.metric - b.metric || a.bucket.getTime() - b.bucket.getTime();
const sumOf = (r: Part) => (r.vsum !== undefined ? r.vsum : r.avg === null ? null : r.avg * r.measured);

/** One bucket from two sources' parts of it. */
function combine(a: Part, b: Part): Part {
  const va = sumOf(a);
  const vb = sumOf(b);
  const measured = a.measured + b.measured;
  const vsum = va === null ? vb : vb === null ? va : va + vb;
  const pick = (x: number | null, y: number | null, f: (p: number, q: number) => number) => (x === null ? y : y === null ? x : f(x, y));
  return {
    patient_id: a.patient_id,
    metric: a.metric,
    bucket: a.bucket,
    count: a.count + b.count,
    flagged: a.flagged + b.flagged,
    measured,
    min: pick(a.min, b.min, Math.min),
    max: pick(a.max, b.max, Math.max),
    avg: vsum === null || measured === 0 ? null : vsum / measured,
    vsum,
  };
}

/** Rows of a sorted source with equal keys folded into one (they are adjacent). */
function combineEqual(source: RowSource<Part>): RowSource<Part> {
  let pending: Part | undefined;
  let ended = false;
  return {
    async next() {
      const out: Part[] = [];
      while (out.length === 0 && !ended) {
        const rows = await source.next();
        if (rows.length === 0) ended = true;
        for (const r of rows) {
          if (pending !== undefined && order(pending, r) === 0) pending = combine(pending, r);
          else {
            if (pending !== undefined) out.push(pending);
            pending = r;
          }
        }
      }
      if (ended && pending !== undefined) {
        out.push(pending);
        pending = undefined;
      }
      return out;
    },
    close: (failure?: unknown) => source.close(failure),
  };
}

/** The sources of one report; refuses a period with a purged day (410) before any row. */
export async function reportSources(deps: ReadRouteDeps, req: ReportRequest): Promise<ReportPlan> {
  const range: DayRange = { hospitalId: req.hospitalId, fromDay: isoDate(utcDay(req.from)), toDay: isoDate(utcDay(req.to.getTime() - 1)) };
  const locations = await locateDays(deps.pool, range);
  const check = async () => {
    const moved = movedDays(locations, await locateDays(deps.pool, range));
    if (moved.length > 0) throw new HistoryDayMovedError(moved);
  };
  const purged = locations.filter((l) => l.purged).map((l) => l.day);
  if (purged.length > 0) throw new HistoryPurgedError(purged);
  const archived = locations.filter((l) => l.objects.length > 0);
  if (archived.length > 0 && deps.archive === undefined) throw new ArchiveUnavailableError('this instance has no archive store configured');
  const params = [req.hospitalId, req.from, req.to, req.bucket, NOT_PHYSIOLOGY];
  const hot = await cursorSource<ReportRow>(deps.pool, REPORT_SQL, params);
  const days = archived.map((l) => l.day);
  if (locations.length === 0) return { source: hot, archivedDays: days, check };
  const reader = archived.length > 0 ? new ArchivedReadingsReader(deps.archive!) : undefined;
  // Days one after another would break the (patient, metric, bucket) order of a weekly
  // report: the sources are merged, each holding one batch.
  const cold = locations
    .filter((l) => l.detachedTables.length > 0)
    .map((l) => lazySource(() => cursorSource<Part>(deps.pool, detachedDayReportSql(l.detachedTables), params)));
  if (reader) {
    const objects = archived.flatMap((l) => l.objects);
    const spec = { from: req.from, to: req.to, bucketMs: req.bucket === '1 hour' ? 3_600_000 : 86_400_000, notMeasuredMask: NOT_PHYSIOLOGY };
    // Every archived day in one DuckDB query: one sorted stream (a DuckDB connection
    // streams one result at a time), and a bucket never spans two days anyway.
    cold.push(archiveSource<Part>(days.join(','), () => archivedAggregates(reader, deps.archive!, objects, spec)));
  }
  const merged = combineEqual(mergeSources<Part>([hot, ...cold], order));
  return {
    archivedDays: days,
    check,
    source: {
      next: async () => (await merged.next()).map(({ vsum: _vsum, ...row }) => row),
      async close(failure?: unknown) {
        try {
          await merged.close(failure);
        } finally {
          await reader?.close();
        }
      },
    },
  };
}

