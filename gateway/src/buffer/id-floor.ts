/**
 * The lowest id a new record row may take. Rows are numbered upward from the newest row
 * (`id + n`), but the newest rows can be gone: a sent batch pruned after local retention,
 * an uploaded batch evicted under the byte cap, the whole buffer pruned on a quiet ward.
 * Numbering from what is left would then reuse ids that other tables still name: an
 * `outbox_spans` range (rows there count as batched, so new readings would never be sent),
 * a batch's range in `outbox_batches`, or the trend index's mark (rows at or below it count
 * as indexed, so the trend view would not show them). New ids go above all three.
 *
 * Read once per inserting connection: after that, the connection's own inserts are the
 * only rows above the floor (a split tail at id + k lands inside its batch's range), so it
 * keeps the floor in memory rather than writing a high-water mark on every commit (a WAL
 * page each).
 */
import type Database from 'better-sqlite3';
import { TREND_MARK_KEY } from './trend-index.js';

export function reservedIdFloor(db: Database.Database): number {
  const row = db
    .prepare(
      `SELECT max(
         coalesce((SELECT last_id FROM outbox_spans ORDER BY first_id DESC LIMIT 1), 0),
         coalesce((SELECT max(last_reading_id) FROM outbox_batches), 0),
         coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '${TREND_MARK_KEY}'), 0)
       ) + 1`,
    )
    .pluck()
    .get() as number;
  return row;
}
