/**
 * Where a history request's readings come from: the hot query over the whole range
 * (attached partitions, both tiers), merged in time order with the days that are not in
 * the attached partitions any more: archived days read from Parquet with DuckDB, and
 * days whose archive job is under way read from their detached tables. Each day beyond
 * the hot query is opened only when the merge reaches it, so memory holds one batch per
 * source whatever the range.
 */
import { ArchivedReadingsReader, type ReadingFilter } from '../../../lifecycle/archive/archived-readings.js';
import { locateDays, movedDays, type DayLocation, type DayRange } from '../../../lifecycle/archive/day-locations.js';
import { detachedDaySql } from '../../../lifecycle/archive/detached-day-sql.js';
import { QualityFlag } from '@wardlink/shared';
import { isoDate, utcDay } from '../../../storage/utc-days.js';
import { archiveSource } from './archive-source.js';
import type { ReadRouteDeps } from './deps.js';
import { ArchiveUnavailableError, HistoryDayMovedError, HistoryPurgedError } from './history-errors.js';
import type { HistoryRow } from './history-line.js';
import { HISTORY_STATEMENT, HISTORY_STREAM_SQL, type HourRow } from './history-sql.js';
import { historyBatchRows, hourRowsSource } from './hour-rows.js';
import { closingAlso, concatSources, cursorSource, INT8_AS_NUMBER, lazySource, mappedSource, mergeSources, type RowSource } from './row-source.js';

export type { HistoryRow };

export interface HistoryRequest {
  hospitalId: string;
  patientId: string;
  mdcCode: number;
  from: Date;
  to: Date;
}

export interface HistoryPlan {
  source: RowSource<HistoryRow>;
  /** Days whose readings (some or all) are read from the archive, oldest first. */
  archivedDays: string[];
  /** After the last row: throws HistoryDayMovedError if a day moved between PostgreSQL
   * and the archive while the answer was read, so the answer may be incomplete. */
  check(): Promise<void>;
}

const byTime = (a: HistoryRow, b: HistoryRow) => a.t_ms - b.t_ms;

/** A reading of a detached table or an archived day (times as Dates) as a hot row. */
interface DatedReading {
  t: Date;
  value: number;
  flags: number;
  received_at: Date;
}
const asHistoryRow = (r: DatedReading): HistoryRow => ({
  t_ms: r.t.getTime(),
  value: r.value,
  flags: r.flags,
  device_ms: (r.flags & QualityFlag.CLOCK_SUSPECT) !== 0 ? r.received_at.getTime() : null,
});

function daySource(deps: ReadRouteDeps, reader: ArchivedReadingsReader | undefined, location: DayLocation, req: HistoryRequest): RowSource<HistoryRow> {
  const params = [req.hospitalId, req.patientId, req.mdcCode, req.from, req.to];
  const parts: Array<RowSource<HistoryRow>> = [];
  if (location.detachedTables.length > 0) parts.push(mappedSource(lazySource(() => cursorSource<DatedReading>(deps.pool, detachedDaySql(location.detachedTables), params)), asHistoryRow));
  const filter: ReadingFilter = { patientId: req.patientId, metric: req.mdcCode, from: req.from, to: req.to };
  if (location.objects.length > 0) parts.push(mappedSource(archiveSource(location.day, () => reader!.readings(location.objects, filter)), asHistoryRow));
  return mergeSources(parts, byTime);
}

/**
 * The sources of one history answer. Refuses, before anything is read, a range with a
 * purged day (410) or with an archived day when no archive store is configured (503).
 */
export async function historySources(deps: ReadRouteDeps, req: HistoryRequest): Promise<HistoryPlan> {
  const range: DayRange = { hospitalId: req.hospitalId, patientId: req.patientId, fromDay: isoDate(utcDay(req.from)), toDay: isoDate(utcDay(req.to.getTime() - 1)) };
  const locations = await locateDays(deps.pool, range);
  const purged = locations.filter((l) => l.purged).map((l) => l.day);
  if (purged.length > 0) throw new HistoryPurgedError(purged);
  const archivedDays = locations.filter((l) => l.objects.length > 0).map((l) => l.day);
  if (archivedDays.length > 0 && deps.archive === undefined) throw new ArchiveUnavailableError('this instance has no archive store configured');
  const reader = archivedDays.length > 0 ? new ArchivedReadingsReader(deps.archive!) : undefined;
  const check = async () => {
    const moved = movedDays(locations, await locateDays(deps.pool, range));
    if (moved.length > 0) throw new HistoryDayMovedError(moved);
  };
  const hot = hourRowsSource(
    await cursorSource<HourRow>(deps.pool, HISTORY_STREAM_SQL, [req.hospitalId, req.patientId, req.mdcCode, req.from, req.to, QualityFlag.CLOCK_SUSPECT], {
      types: INT8_AS_NUMBER,
      name: HISTORY_STATEMENT,
      // A first read of a few rows: they may be blocks of an hour each.
      batchRows: 8,
      nextBatchRows: historyBatchRows,
    }),
    { from: req.from, to: req.to, suspectBit: QualityFlag.CLOCK_SUSPECT },
    deps.clock,
  );
  if (locations.length === 0) return { source: hot, archivedDays, check };
  const cold = concatSources(locations.map((l) => daySource(deps, reader, l, req)));
  return { archivedDays, check, source: closingAlso(mergeSources([hot, cold], byTime), reader) };
}
