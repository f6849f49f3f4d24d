/**
 * The local trend view's index, kept in arrears (schema step buffer-004).
 *
 * The former index on reading_records (bed_id, device_time_ms) was written inside every
 * group commit: a commit holds records of many beds, and each bed's entries sit on a
 * leaf page of their own, so a commit rewrote one index page per record into the WAL.
 * That was ~640 of the ~730 WAL bytes per reading with commits of 15 records (60-bed
 * ward, measured by inserting into the real schema), whatever the commit cadence.
 *
 * Now `reading_trend` (bed_id, device_time_ms, id) is filled by housekeeping for the rows
 * above `meta.trend_indexed_through_id`, in one transaction: each bed's leaf page is
 * written once per catch-up (every 2 min, maintenance.ts TREND_INDEX_INTERVAL_MS) instead
 * of once per record. Readers combine the index (ids up to the mark) with a scan of the
 * rows above it (one period of the ward at most, by rowid). Rows deleted by prune or eviction take their entries with them
 * (`forget`); a record split by the outbox below the mark gets its entry at once (`add`).
 */
import type Database from 'better-sqlite3';
import { perConnection } from './per-connection.js';

export const TREND_MARK_KEY = 'trend_indexed_through_id';

export const TREND_INDEX_SQL = `
  DROP INDEX reading_records_trend;
  CREATE TABLE reading_trend (
    bed_id         TEXT NOT NULL,
    device_time_ms INTEGER NOT NULL,
    id             INTEGER NOT NULL,
    PRIMARY KEY (bed_id, device_time_ms, id)
  ) STRICT, WITHOUT ROWID;
  INSERT INTO reading_trend (bed_id, device_time_ms, id) SELECT bed_id, device_time_ms, id FROM reading_records;
  INSERT INTO meta (key, value) VALUES ('${TREND_MARK_KEY}', coalesce((SELECT max(id) FROM reading_records), 0))
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
`;

/** The mark as SQL: rows with a greater id are not in reading_trend yet. */
const MARK_SQL = `(SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${TREND_MARK_KEY}')`;

/** Reads the trend index plus the rows above its mark. */
export interface TrendReader {
  /** One bed's record rows whose time is in [fromMs, toMs): (device_time_ms, items), in no particular order. */
  records(bedId: string, fromMs: number, toMs: number): IterableIterator<[number, string]>;
  /** One device's newest indexed record row on a bed (by its time), or undefined. */
  lastIndexedRecord(bedId: string, deviceId: string): { id: number; device_time_ms: number; received_at_ms: number; items: string } | undefined;
  /** Of the rows above the mark (not indexed yet), each device's on each bed with the
   * newest device time: [bed_id, device_id, device_time_ms, received_at_ms, items, id]. */
  newestAboveMark(): IterableIterator<[string, string, number, number, string, number]>;
}

export function prepareTrendReader(db: Database.Database): TrendReader {
  const records = db
    .prepare(`
      SELECT r.device_time_ms, r.items FROM reading_trend AS t JOIN reading_records AS r ON r.id = t.id
      WHERE t.bed_id = @bed AND t.device_time_ms >= @from AND t.device_time_ms < @to AND t.id <= ${MARK_SQL}
      UNION ALL
      SELECT device_time_ms, items FROM reading_records
      WHERE id > ${MARK_SQL} AND bed_id = @bed AND device_time_ms >= @from AND device_time_ms < @to`)
    .raw();
  const last = db.prepare(`
    SELECT r.id, r.device_time_ms, r.received_at_ms, r.items FROM reading_trend AS t JOIN reading_records AS r ON r.id = t.id
    WHERE t.bed_id = @bed AND r.device_id = @device AND t.id <= ${MARK_SQL} ORDER BY t.device_time_ms DESC LIMIT 1`);
  // SQLite takes a max() query's bare columns from the row holding the max: one row per
  // device comes back to JS instead of every record above the mark (after a restart on a
  // long unsent buffer that was most of the start-up: 30 min of a 60-bed ward, ~400 ms).
  const above = db
    .prepare(`SELECT bed_id, device_id, max(device_time_ms), received_at_ms, items, id FROM reading_records WHERE id > ${MARK_SQL} GROUP BY bed_id, device_id`)
    .raw();
  return {
    records: (bed, from, to) => records.iterate({ bed, from, to }) as IterableIterator<[number, string]>,
    lastIndexedRecord: (bed, device) => last.get({ bed, device }) as ReturnType<TrendReader['lastIndexedRecord']>,
    newestAboveMark: () => above.iterate() as IterableIterator<[string, string, number, number, string, number]>,
  };
}

export class TrendIndex {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      mark: db.prepare(`SELECT ${MARK_SQL}`).pluck(),
      maxId: db.prepare('SELECT id FROM reading_records ORDER BY id DESC LIMIT 1').pluck(),
      fill: db.prepare('INSERT OR IGNORE INTO reading_trend (bed_id, device_time_ms, id) SELECT bed_id, device_time_ms, id FROM reading_records WHERE id > ? AND id <= ?'),
      setMark: db.prepare(`INSERT INTO meta (key, value) VALUES ('${TREND_MARK_KEY}', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`),
      add: db.prepare('INSERT OR IGNORE INTO reading_trend (bed_id, device_time_ms, id) VALUES (?, ?, ?)'),
      forget: db.prepare('DELETE FROM reading_trend WHERE bed_id = ? AND device_time_ms = ? AND id = ?'),
    };
  }

  /** Indexes the rows above the mark, in one transaction; returns how many. */
  catchUp(): number {
    return this.db.transaction((): number => {
      const mark = (this.s.mark.get() as number | null) ?? 0;
      const max = this.s.maxId.get() as number | undefined;
      if (max === undefined || max <= mark) return 0;
      const n = this.s.fill.run(mark, max).changes;
      this.s.setMark.run(String(max));
      return n;
    }).immediate();
  }

  /** A row inserted below the mark (a split record's tail): indexed at once. */
  add(bedId: string, deviceTimeMs: number, id: number): void {
    this.s.add.run(bedId, deviceTimeMs, id);
  }

  /** Rows deleted: their entries go too (rows above the mark have none; nothing happens). */
  forget(rows: readonly DeletedRow[]): void {
    for (const r of rows) this.s.forget.run(r[1], r[2], r[3]);
  }
}

/** What a DELETE of record rows returns for `forget`: RETURNING n, bed_id, device_time_ms, id. */
export type DeletedRow = [number, string, number, number];
export const DELETED_ROW_COLUMNS = 'n, bed_id, device_time_ms, id';

/** One instance per connection: its statements are prepared once. */
export const trendIndex = perConnection((db) => new TrendIndex(db));
