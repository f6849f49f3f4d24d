/**
 * Where the readings of a FHIR search page or export chunk come from, merged in
 * compareFhirRows' order: the attached partitions, and for the days that left them the
 * detached partitions of a running archive job or the archived objects (DuckDB). Each
 * cold day is opened only when the merge reaches it; memory holds one batch per source.
 * Refuses a range with a purged day (410) or an archived day without an archive store
 * (503) before anything is read, as the history does.
 */
import type pg from 'pg';
import { ArchivedReadingsReader } from '../lifecycle/archive/archived-readings.js';
import { locateDays, movedDays, type DayLocation, type DayRange } from '../lifecycle/archive/day-locations.js';
import type { ArchiveStore } from '../lifecycle/store/archive-store.js';
import { isoDate, utcDay } from '../storage/utc-days.js';
import { archiveSource } from '../api/routes/read/archive-source.js';
import { ArchiveUnavailableError, HistoryDayMovedError, HistoryPurgedError } from '../api/routes/read/history-errors.js';
import { closingAlso, concatSources, cursorSource, lazySource, mergeSources, type RowSource } from '../api/routes/read/row-source.js';
import { archivedRows } from './archived-rows.js';
import { compareFhirRows, type FhirRow } from './fhir-row.js';
import { attachedSql, detachedSql, type FhirQuery, type RowKey } from './fhir-sql.js';

export interface FhirSourceDeps {
  pool: pg.Pool;
  archive?: ArchiveStore;
}

export interface FhirPlan {
  source: RowSource<FhirRow>;
  archivedDays: string[];
  /** After the last row: throws if a day moved to the archive while it was read. */
  check(): Promise<void>;
}

function afterKey(r: FhirRow, k: RowKey): boolean {
  const key: FhirRow = { t: k.t, patient_id: k.patientId, gateway_id: k.gatewayId, device_id: k.deviceId, metric: k.metric, value: 0, flags: 0, bed_id: '' };
  return compareFhirRows(r, key) > 0;
}

function coldSource(deps: FhirSourceDeps, reader: ArchivedReadingsReader | undefined, l: DayLocation, q: FhirQuery): RowSource<FhirRow> {
  const parts: Array<RowSource<FhirRow>> = [];
  if (l.detachedTables.length > 0) {
    const s = detachedSql(q, l.detachedTables);
    parts.push(lazySource(() => cursorSource<FhirRow>(deps.pool, s.sql, s.params)));
  }
  if (l.objects.length > 0) {
    const archived = archiveSource(l.day, () => archivedRows(reader!, deps.archive!, l.objects, q));
    // A page's cursor is applied here, not in DuckDB: the archived day is one sort anyway.
    parts.push(q.after === undefined ? archived : { next: async () => (await archived.next()).filter((r) => afterKey(r, q.after!)), close: (f) => archived.close(f) });
  }
  return mergeSources(parts, compareFhirRows);
}

export async function fhirSources(deps: FhirSourceDeps, q: FhirQuery): Promise<FhirPlan> {
  const range: DayRange = { hospitalId: q.hospitalId, ...(q.patientId === undefined ? {} : { patientId: q.patientId }), fromDay: isoDate(utcDay(q.from)), toDay: isoDate(utcDay(q.to.getTime() - 1)) };
  const locations = await locateDays(deps.pool, range);
  const purged = locations.filter((l) => l.purged).map((l) => l.day);
  if (purged.length > 0) throw new HistoryPurgedError(purged);
  const archivedDays = locations.filter((l) => l.objects.length > 0).map((l) => l.day);
  if (archivedDays.length > 0 && deps.archive === undefined) throw new ArchiveUnavailableError('this instance has no archive store configured');
  const check = async () => {
    const moved = movedDays(locations, await locateDays(deps.pool, range));
    if (moved.length > 0) throw new HistoryDayMovedError(moved);
  };
  const hotSql = attachedSql(q);
  const hot = await cursorSource<FhirRow>(deps.pool, hotSql.sql, hotSql.params);
  if (locations.length === 0) return { source: hot, archivedDays, check };
  const reader = archivedDays.length > 0 ? new ArchivedReadingsReader(deps.archive!) : undefined;
  const days = locations.filter((l) => l.detachedTables.length > 0 || l.objects.length > 0);
  // One day after another (a DuckDB connection streams one result at a time): in order
  // for one patient, whose rows are in time order; a hospital-wide plan (patient order)
  // is asked for one day at most, which is how the export reads.
  if (q.patientId === undefined && days.length > 1) throw new RangeError('a hospital-wide FHIR read spans one UTC day at most');
  const cold = concatSources(days.map((l) => coldSource(deps, reader, l, q)));
  return { archivedDays, check, source: closingAlso(mergeSources([hot, cold], compareFhirRows), reader) };
}
