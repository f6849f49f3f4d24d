/**
 * How a new outbox batch takes its readings from the record rows (schema.ts): whole
 * records in id order, oldest or newest first, until `maxReadings`. A batch holds exactly
 * `maxReadings` readings when that many wait, so the record at the boundary is split in
 * two rows: the part the batch takes and the part left unbatched. Ids number readings, so
 * the second part becomes the row at id + (readings of the first part) and local order is
 * unchanged. A batch takes one run of unbatched rows (outbox-spans.ts): it stops at the
 * next batched range, so it may hold fewer than `maxReadings` while more wait beyond it;
 * the next batch takes those. Runs inside the outbox's build transaction.
 */
import type Database from 'better-sqlite3';
import type { Reading } from '@wardlink/shared';
import type { OutboxSpans } from './outbox-spans.js';
import { trendIndex } from './trend-index.js';
import type { BatchOrder } from './types.js';
import { packRecord, prepareRecordInsert, RECORD_COLUMNS, unpackRecord, type RecordRow } from './rows.js';

export interface TakenReadings {
  /** Readings in local order. */
  readings: Reading[];
  /** First and last record row ids of the batch (null when it takes none). */
  first: number | null;
  last: number | null;
  /** How many record rows [first, last] holds for the batch. */
  rows: number;
}

export class RecordTaker {
  private readonly s;
  private readonly insertRecord;

  constructor(
    private readonly db: Database.Database,
    private readonly spans: OutboxSpans,
  ) {
    this.s = {
      oldest: db.prepare(`SELECT ${RECORD_COLUMNS} FROM reading_records WHERE id >= ? AND id < ? ORDER BY id LIMIT ?`).raw(),
      newest: db.prepare(`SELECT ${RECORD_COLUMNS} FROM reading_records WHERE id >= ? AND id < ? ORDER BY id DESC LIMIT ?`).raw(),
      shrink: db.prepare('UPDATE reading_records SET n = ?, device_time_ms = ?, received_at_ms = ?, items = ? WHERE id = ?'),
      lastEnd: db.prepare('SELECT id + n FROM reading_records WHERE id < ? ORDER BY id DESC LIMIT 1').pluck(),
      oldestReceived: db.prepare('SELECT min(received_at_ms) FROM reading_records WHERE id >= ? AND id < ?').pluck(),
    };
    this.insertRecord = prepareRecordInsert(db);
  }

  /**
   * True when a batch would take fewer than `maxReadings` readings, all received after
   * `youngerThanMs`: the outbox then waits for more, and this answers it without reading
   * and unpacking the rows (the uplink asks every 200 ms; peeking each time unpacked every
   * waiting reading up to 5 times before it was batched). A record's readings share their
   * receive time when the ingest pipeline wrote them (one message each); for a record
   * appended with several, the first one's is taken. O(log n), plus the scan of fewer than
   * `maxReadings` rows.
   */
  runIsYoungAndShort(order: BatchOrder, maxReadings: number, youngerThanMs: number): boolean {
    const run = this.spans.run(order);
    if (run === null) return true;
    const readings = (this.s.lastEnd.get(run.toId) as number) - run.fromId;
    if (readings >= maxReadings) return false;
    return (this.s.oldestReceived.get(run.fromId, run.toId) as number) > youngerThanMs;
  }

  /**
   * Reads the unbatched readings a batch would take, without changing anything. Each
   * record holds at least one reading, so `maxReadings` rows are always enough.
   */
  peek(order: BatchOrder, maxReadings: number, gatewayId: string): { rows: RecordRow[]; readings: Reading[][] } {
    const rows: RecordRow[] = [];
    const readings: Reading[][] = [];
    if (maxReadings === 0) return { rows, readings };
    let total = 0;
    // One run of unbatched rows only: a batch's id range must hold no other batch's rows.
    const run = this.spans.run(order);
    if (run === null) return { rows, readings };
    const stmt = order === 'oldest' ? this.s.oldest : this.s.newest;
    for (const row of stmt.iterate(run.fromId, run.toId, maxReadings) as IterableIterator<RecordRow>) {
      rows.push(row);
      readings.push(unpackRecord(row, gatewayId));
      total += row[1];
      if (total >= maxReadings) break;
    }
    return { rows, readings };
  }

  /** Splits the boundary record if the batch takes only part of it; returns what the batch holds. */
  take(order: BatchOrder, maxReadings: number, peeked: { rows: RecordRow[]; readings: Reading[][] }): TakenReadings {
    const { rows, readings } = peeked;
    if (rows.length === 0) return { readings: [], first: null, last: null, rows: 0 };
    const total = rows.reduce((n, r) => n + r[1], 0);
    const excess = total - maxReadings;
    if (excess > 0) {
      // The last record reached is the boundary one: keep its part in the batch's order.
      const edge = rows.length - 1;
      const row = rows[edge]!;
      const all = readings[edge]!;
      const keep = all.length - excess;
      const head = order === 'oldest' ? all.slice(0, keep) : all.slice(0, excess);
      const tail = order === 'oldest' ? all.slice(keep) : all.slice(excess);
      const h = packRecord(head);
      this.s.shrink.run(h.n, h.deviceTimeMs, h.receivedAtMs, h.items, row[0]);
      const tailId = row[0] + head.length;
      const t = packRecord(tail);
      this.insertRecord(tailId, t);
      // Below the trend index's mark the housekeeping would not see it (trend-index.ts).
      trendIndex(this.db).add(t.bedId, t.deviceTimeMs, tailId);
      if (order === 'oldest') readings[edge] = head;
      else {
        readings[edge] = tail;
        rows[edge] = [tailId, tail.length, row[2], row[3], row[4], row[5], row[6], row[7]];
      }
    }
    if (order === 'newest') {
      rows.reverse();
      readings.reverse();
    }
    return { readings: readings.flat(), first: rows[0]![0], last: rows.at(-1)![0], rows: rows.length };
  }
}
