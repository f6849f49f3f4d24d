/**
 * Streams the rows of one statement to the client in constant memory, for every streamed
 * read route (history, reports): a server-side cursor (pg-cursor) reads BATCH_ROWS rows
 * at a time, and the next batch is read only once the socket took the last one.
 *
 * The first batch is read before the 200 is sent, so an unavailable database is still a
 * 503 with Retry-After (the error propagates to readRoute, which answers it). After that
 * the status cannot change: a failure ends the answer with the format's error line
 * instead of its final line, which is how a client knows whether it got everything.
 */
import Cursor from 'pg-cursor';
import { answerFor } from '../../errors.js';
import type { RequestContext } from '../../context.js';
import { connectClient } from '../../../storage/pool.js';
import { toDatabaseError } from '../../../storage/db-errors.js';
import type { ReadRouteDeps } from './deps.js';
import { StreamWriter } from './stream-writer.js';

/** Rows per cursor read: large enough to amortize the round trip, small enough (~60 kB
 * of text) that memory does not depend on the size of the answer. */
export const BATCH_ROWS = 1_000;

/** What one cursor read became: its text, how many rows it holds, and whether to stop
 * reading (a row limit was reached). */
export interface FormattedRows {
  text: string;
  rows: number;
  stop?: boolean;
}

export interface CursorStream<Row> {
  /** The route pattern, the label of the stream-failure metric. */
  route: string;
  sql: string;
  params: unknown[];
  contentType: string;
  /** Text sent before the first row (a CSV header); nothing by default. */
  head?: string;
  format(rows: Row[]): FormattedRows;
  /** The last text of a complete answer, after `rows` rows. */
  done(rows: number): string;
  /** The last text of an answer the database broke off after its 200. */
  failed(error: { code: string; message: string }, traceId: string): string;
}

export async function streamCursor<Row>(ctx: RequestContext, deps: Pick<ReadRouteDeps, 'pool' | 'metrics'>, spec: CursorStream<Row>): Promise<void> {
  const client = await connectClient(deps.pool);
  const cursor = client.query(new Cursor<Row>(spec.sql, spec.params));
  let failure: unknown;
  try {
    let rows = await cursor.read(BATCH_ROWS).catch((err: unknown) => {
      throw toDatabaseError(err);
    });
    ctx.startStream(200, spec.contentType);
    const out = new StreamWriter(ctx.res);
    let sent = 0;
    let head = spec.head ?? '';
    try {
      for (;;) {
        const batch = rows.length > 0 ? spec.format(rows) : { text: '', rows: 0, stop: true };
        sent += batch.rows;
        const text = head + batch.text;
        head = '';
        if (text !== '' && !(await out.write(text))) return; // the client left: stop reading
        if (batch.stop === true) break;
        rows = await cursor.read(BATCH_ROWS);
      }
      ctx.fields.rows = sent;
      out.end(spec.done(sent));
    } catch (err) {
      failure = err;
      const answer = answerFor(err);
      deps.metrics.readStreamFailures.inc({ route: spec.route });
      Object.assign(ctx.fields, { rows: sent, code: answer.code });
      ctx.log.warn({ err, code: answer.code, rows: sent }, 'streamed answer failed after its first rows');
      out.end(spec.failed({ code: answer.code, message: answer.message }, ctx.trace.traceId));
    }
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    // After a failure the connection may be dead, and closing the cursor would wait for
    // an answer that never comes: the pool discards that client instead.
    if (failure === undefined) await cursor.close().catch(() => undefined);
    client.release(failure === undefined ? undefined : failure instanceof Error ? failure : new Error(String(failure)));
  }
}
