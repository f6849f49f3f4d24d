/**
 * A sorted stream of rows read a batch at a time, the unit the streamed read routes pull
 * from: a PostgreSQL cursor, an archived day's Parquet files, or several of those merged
 * in time order. Pulling (rather than pushing) is what keeps memory constant: a source
 * reads its next batch only when the socket took the last one.
 */
import Cursor from 'pg-cursor';
import pg from 'pg';
import { systemClock } from '@wardlink/shared';
import { connectClient } from '../../../storage/pool.js';
import { toDatabaseError } from '../../../storage/db-errors.js';
import { NamedCursor } from './named-cursor.js';

/** Rows per read: large enough to amortize a round trip, small enough (~60 kB of text)
 * that memory does not depend on the size of the answer. */
export const BATCH_ROWS = 1_000;
/** The longest a cursor's close may wait for the server's answer before the connection is
 * given up instead (a replica host that went silent, whose connections the read routing
 * ended: a close written to a dead socket is never answered). */
const CURSOR_CLOSE_TIMEOUT_MS = 2_000;

export interface RowSource<Row> {
  /** The next rows, in the source's order; an empty array once it is exhausted. */
  next(): Promise<Row[]>;
  /** Releases what the source holds. `failure`: the read failed, the resources may be broken. */
  close(failure?: unknown): Promise<void>;
}

export interface CursorOptions {
  batchRows?: number;
  /** The size of each read after the first, from the rows of the one before: for
   * statements whose rows differ much in size (history-sql.ts: an hour's few late
   * readings, or a block of an hour's readings), so a read stays about the same number
   * of readings. */
  nextBatchRows?: (previous: unknown[]) => number;
  /** Type parsers for this statement's columns instead of node-postgres' defaults. */
  types?: pg.CustomTypesConfig;
  /** A name for the statement: prepared once per connection (named-cursor.ts), for a
   * statement run on every request of a route. Unique per statement text. */
  name?: string;
}

/** int8 columns as numbers (node-postgres gives strings): for values below 2^53, such as
 * epoch milliseconds. */
export const INT8_AS_NUMBER: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) => (oid === 20 ? Number : pgTypes.getTypeParser(oid, format as 'text'))) as pg.CustomTypesConfig['getTypeParser'],
};

/** One statement read through a server-side cursor on a connection of its own. */
export async function cursorSource<Row>(pool: pg.Pool, sql: string, params: unknown[], options: CursorOptions = {}): Promise<RowSource<Row>> {
  let batchRows = options.batchRows ?? BATCH_ROWS;
  const client = await connectClient(pool);
  const config = options.types === undefined ? {} : { types: options.types };
  const cursor = client.query(options.name === undefined ? new Cursor<Row>(sql, params, config) : new NamedCursor<Row>(options.name, sql, params, config));
  let closed = false;
  return {
    async next() {
      const rows = await cursor.read(batchRows).catch((err: unknown) => {
        throw toDatabaseError(err);
      });
      if (options.nextBatchRows !== undefined && rows.length > 0) batchRows = Math.max(1, options.nextBatchRows(rows));
      return rows;
    },
    async close(failure?: unknown) {
      if (closed) return;
      closed = true;
      // After a failure the connection may be dead, and closing the cursor would wait for
      // an answer that never comes: the pool discards that client instead. So it does
      // when the connection was ended under the cursor, or the close is not answered.
      let broken: Error | undefined = failure === undefined ? undefined : failure instanceof Error ? failure : new Error(String(failure));
      if (broken === undefined && (client as unknown as { _ending?: boolean })._ending === true) broken = new Error('the connection was ended while the cursor was open');
      if (broken === undefined && !(await closeWithin(cursor, CURSOR_CLOSE_TIMEOUT_MS))) broken = new Error(`the cursor's close was not answered within ${CURSOR_CLOSE_TIMEOUT_MS} ms`);
      client.release(broken);
    },
  };
}

const pgTypes = pg.types;

/** True when the cursor closed (or failed to) within `timeoutMs`; false when the server
 * did not answer in time. */
async function closeWithin(cursor: { close(): Promise<void> }, timeoutMs: number): Promise<boolean> {
  let timer: ReturnType<typeof systemClock.setTimeout> | undefined;
  const late = new Promise<false>((resolve) => (timer = systemClock.setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([cursor.close().then(() => true, () => true), late]);
  } finally {
    timer?.cancel();
  }
}

/** `source` with each row turned into another shape (a cold tier's rows into the hot one's). */
export function mappedSource<From, To>(source: RowSource<From>, map: (row: From) => To): RowSource<To> {
  return {
    next: async () => (await source.next()).map(map),
    close: (failure?: unknown) => source.close(failure),
  };
}

/** A source created only when first read: an archived day's files are not opened before
 * the days before it are sent. */
export function lazySource<Row>(open: () => Promise<RowSource<Row>>): RowSource<Row> {
  let source: RowSource<Row> | undefined;
  return {
    async next() {
      source ??= await open();
      return source.next();
    },
    close: async (failure?: unknown) => source?.close(failure),
  };
}

/** The sources one after another (each exhausted before the next is opened). */
export function concatSources<Row>(sources: Array<RowSource<Row>>): RowSource<Row> {
  let i = 0;
  return {
    async next() {
      for (; i < sources.length; i++) {
        const rows = await sources[i]!.next();
        if (rows.length > 0) return rows;
        await sources[i]!.close();
      }
      return [];
    },
    async close(failure?: unknown) {
      for (; i < sources.length; i++) await sources[i]!.close(failure);
    },
  };
}

interface Head<Row> {
  source: RowSource<Row>;
  rows: Row[];
  at: number;
  done: boolean;
}

/** `source`, which closes `also` (the archive reader its rows came from) after itself. */
export function closingAlso<Row>(source: RowSource<Row>, also: { close(): Promise<void> } | undefined): RowSource<Row> {
  if (also === undefined) return source;
  return {
    next: () => source.next(),
    async close(failure?: unknown) {
      try {
        await source.close(failure);
      } finally {
        await also.close();
      }
    },
  };
}

/**
 * Sources each sorted by `compare`, merged into one sorted by it. Rows that compare
 * equal keep the order of the sources in the list. Holds at most one batch per source.
 */
export function mergeSources<Row>(sources: Array<RowSource<Row>>, compare: (a: Row, b: Row) => number, batchRows = BATCH_ROWS): RowSource<Row> {
  if (sources.length === 1) return sources[0]!;
  const heads: Array<Head<Row>> = sources.map((source) => ({ source, rows: [], at: 0, done: false }));
  const fill = async (h: Head<Row>) => {
    if (h.done || h.at < h.rows.length) return;
    h.rows = await h.source.next();
    h.at = 0;
    if (h.rows.length === 0) {
      h.done = true;
      await h.source.close();
    }
  };
  return {
    async next() {
      const out: Row[] = [];
      while (out.length < batchRows) {
        let best: Head<Row> | undefined;
        for (const h of heads) {
          if (h.at === h.rows.length) await fill(h);
          if (h.done) continue;
          if (best === undefined || compare(h.rows[h.at]!, best.rows[best.at]!) < 0) best = h;
        }
        if (best === undefined) break;
        out.push(best.rows[best.at++]!);
      }
      return out;
    },
    async close(failure?: unknown) {
      for (const h of heads) if (!h.done) await h.source.close(failure);
    },
  };
}

/**
 * Compares strings in Unicode code point order, which is UTF-8 byte order: PostgreSQL's
 * COLLATE "C" (every Wardlink id) and DuckDB's. JavaScript's `<` compares UTF-16 code
 * units, which differs only between a supplementary character (a surrogate pair) and
 * U+E000..U+FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    return xs === ys ? x - y : xs ? 1 : -1;
  }
  return a.length - b.length;
}
