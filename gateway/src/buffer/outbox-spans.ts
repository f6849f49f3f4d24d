/**
 * Which record rows are in a batch, answered from id ranges instead of a per-row stamp
 * (schema step buffer-003). Stamping every row twice (batch_seq when batched,
 * uploaded_at_ms when sent) rewrote each table page and two partial indexes per reading:
 * most of the gateway's flash writes. Now a row's state lives in two small tables:
 *
 * - `outbox_spans(first_id, last_id)`: disjoint id ranges whose rows ALL belong to
 *   batches (of any state). A row is unbatched iff no span covers its id. A new batch
 *   takes one contiguous run of unbatched rows that stops at the next span, so its own
 *   range [first_reading_id, last_reading_id] in `outbox_batches` holds its rows and no
 *   other batch's, and becomes (part of) a span. Adjacent spans with no row between them
 *   are merged, so after weeks of uploads the table holds a handful of rows: the batched
 *   ranges are not one prefix ('newest' batches take the live end after an outage), but
 *   the unbatched gaps between them are few.
 * - upload state is the batch's state in `outbox_batches` ('sent').
 *
 * New rows are only ever inserted above every existing id (the writer, the split of a
 * record at a batch boundary at id + k above the batch's range), so a span's range never
 * gains a row, and a gap's rows are contiguous except where eviction removed its oldest.
 * Rows batched before buffer-003 keep their `batch_seq` (a legacy batch's range may
 * contain an older 'newest' batch's rows), so a batch's rows are those in its range whose
 * batch_seq is NULL or its own seq.
 */
import type Database from 'better-sqlite3';
import { perConnection } from './per-connection.js';

/** A run of unbatched rows: ids in [fromId, toId). */
export interface UnbatchedRun {
  fromId: number;
  toId: number;
}

/** One instance per connection: its statements are prepared once. */
export const outboxSpans = perConnection((db) => new OutboxSpans(db));

export class OutboxSpans {
  private readonly s;

  constructor(private readonly db: Database.Database) {
    this.s = {
      covering: db.prepare('SELECT first_id, last_id FROM outbox_spans WHERE first_id <= ? ORDER BY first_id DESC LIMIT 1').raw(),
      nextStart: db.prepare('SELECT first_id FROM outbox_spans WHERE first_id > ? ORDER BY first_id LIMIT 1').pluck(),
      prevEnd: db.prepare('SELECT last_id FROM outbox_spans WHERE first_id < ? ORDER BY first_id DESC LIMIT 1').pluck(),
      rowAbove: db.prepare('SELECT id FROM reading_records WHERE id > ? ORDER BY id LIMIT 1').pluck(),
      rowBelow: db.prepare('SELECT id FROM reading_records WHERE id < ? ORDER BY id DESC LIMIT 1').pluck(),
      rowBetween: db.prepare('SELECT 1 FROM reading_records WHERE id > ? AND id < ? LIMIT 1').pluck(),
      insert: db.prepare('INSERT INTO outbox_spans (first_id, last_id) VALUES (?, ?)'),
      extend: db.prepare('UPDATE outbox_spans SET last_id = ? WHERE first_id = ?'),
      remove: db.prepare('DELETE FROM outbox_spans WHERE first_id = ?'),
      all: db.prepare('SELECT first_id, last_id FROM outbox_spans ORDER BY first_id').raw(),
      dropBelow: db.prepare('DELETE FROM outbox_spans WHERE last_id < ?'),
      minId: db.prepare('SELECT id FROM reading_records ORDER BY id LIMIT 1').pluck(),
    };
  }

  /** The oldest ('oldest') or newest ('newest') run of unbatched rows, or null when none. */
  run(order: 'oldest' | 'newest'): UnbatchedRun | null {
    return order === 'oldest' ? this.oldestRun() : this.newestRun();
  }

  /** Every run of unbatched rows, oldest first (for exact counts). */
  *runs(): Generator<UnbatchedRun> {
    let cursor = -Infinity;
    for (;;) {
      const run = this.oldestRunAbove(cursor);
      if (run === null) return;
      yield run;
      cursor = run.toId - 1;
    }
  }

  /** Marks rows [firstId, lastId] batched, merging with neighbouring spans when no row lies between. */
  add(firstId: number, lastId: number): void {
    let first = firstId;
    const prev = this.s.covering.get(firstId - 1) as [number, number] | undefined;
    if (prev && !this.s.rowBetween.get(prev[1], firstId)) first = prev[0];
    const nextFirst = this.s.nextStart.get(lastId) as number | undefined;
    let last = lastId;
    if (nextFirst !== undefined && !this.s.rowBetween.get(lastId, nextFirst)) {
      last = (this.s.covering.get(nextFirst) as [number, number])[1];
      this.s.remove.run(nextFirst);
    }
    if (first === firstId) this.s.insert.run(first, last);
    else this.s.extend.run(last, first);
  }

  /**
   * Housekeeping: forgets spans below every row (their rows are gone and no row can come
   * back below the highest id) and merges neighbours whose gap lost its rows to eviction.
   * Returns the spans left.
   */
  compact(): number {
    const min = this.s.minId.get() as number | undefined;
    if (min === undefined) {
      this.db.exec('DELETE FROM outbox_spans');
      return 0;
    }
    this.s.dropBelow.run(min);
    const spans = this.s.all.all() as [number, number][];
    let kept = 0;
    for (let i = 0; i < spans.length; i++) {
      const [first] = spans[i]!;
      let last = spans[i]![1];
      let j = i + 1;
      while (j < spans.length && !this.s.rowBetween.get(last, spans[j]![0])) {
        last = spans[j]![1];
        this.s.remove.run(spans[j]![0]);
        j++;
      }
      if (last !== spans[i]![1]) this.s.extend.run(last, first);
      kept++;
      i = j - 1;
    }
    return kept;
  }

  private oldestRun(): UnbatchedRun | null {
    return this.oldestRunAbove(-Infinity);
  }

  /** Hops from row to row over spans: each hop passes one span, and spans are few. */
  private oldestRunAbove(cursor: number): UnbatchedRun | null {
    let at = cursor;
    for (;;) {
      const id = this.s.rowAbove.get(at === -Infinity ? Number.MIN_SAFE_INTEGER : at) as number | undefined;
      if (id === undefined) return null;
      const span = this.s.covering.get(id) as [number, number] | undefined;
      if (span && span[1] >= id) {
        at = span[1];
        continue;
      }
      const next = this.s.nextStart.get(id) as number | undefined;
      return { fromId: id, toId: next ?? Number.MAX_SAFE_INTEGER };
    }
  }

  private newestRun(): UnbatchedRun | null {
    let at = Number.MAX_SAFE_INTEGER;
    for (;;) {
      const id = this.s.rowBelow.get(at) as number | undefined;
      if (id === undefined) return null;
      const span = this.s.covering.get(id) as [number, number] | undefined;
      if (span && span[1] >= id) {
        at = span[0];
        continue;
      }
      const prevEnd = this.s.prevEnd.get(id) as number | undefined;
      return { fromId: prevEnd === undefined ? Number.MIN_SAFE_INTEGER : prevEnd + 1, toId: id + 1 };
    }
  }
}
