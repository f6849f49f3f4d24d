/**
 * Streams the rows of a sorted source to the client in constant memory, for every
 * streamed read route (history, reports): the source (a server-side cursor, archived
 * Parquet files, or both merged) is read a batch at a time, and the next batch is read
 * only once the socket took the last one.
 *
 * The first batch is read before the 200 is sent, so an unavailable database is still a
 * 503 with Retry-After (the error propagates to readRoute, which answers it). After that
 * the status cannot change: a failure ends the answer with the format's error line
 * instead of its final line, which is how a client knows whether it got everything.
 */
import { answerFor } from '../../errors.js';
import type { RequestContext } from '../../context.js';
import type { ReadRouteDeps } from './deps.js';
import { cursorSource, type RowSource } from './row-source.js';
import { StreamWriter } from './stream-writer.js';

export { BATCH_ROWS } from './row-source.js';

/** What one read became: its text (or its bytes, for a format written straight into a
 * buffer), how many rows it holds, and whether to stop reading (a row limit was reached). */
export interface FormattedRows {
  text: string | Uint8Array;
  rows: number;
  stop?: boolean;
}

export interface RowStream<Row> {
  /** The route pattern, the label of the stream-failure metric. */
  route: string;
  contentType: string;
  /** Headers of the 200 besides the content type. */
  headers?: Record<string, string>;
  /** Text sent before the first row (a CSV header); nothing by default. */
  head?: string;
  format(rows: Row[]): FormattedRows;
  /** Runs after the last row, before `done`; a throw ends the answer with `failed`. */
  check?(): Promise<void>;
  /** The last text of a complete answer, after `rows` rows. */
  done(rows: number): string;
  /** The last text of an answer the database broke off after its 200. */
  failed(error: { code: string; message: string }, traceId: string): string;
}

export interface CursorStream<Row> extends RowStream<Row> {
  sql: string;
  params: unknown[];
}

export async function streamCursor<Row>(ctx: RequestContext, deps: Pick<ReadRouteDeps, 'pool' | 'metrics'>, spec: CursorStream<Row>): Promise<void> {
  await streamSource(ctx, deps, await cursorSource<Row>(deps.pool, spec.sql, spec.params), spec);
}

/** Streams `source` as `spec` formats it, and closes the source. */
export async function streamSource<Row>(ctx: RequestContext, deps: Pick<ReadRouteDeps, 'metrics'>, source: RowSource<Row>, spec: RowStream<Row>): Promise<void> {
  let failure: unknown;
  try {
    let rows = await source.next();
    ctx.startStream(200, spec.contentType, spec.headers);
    const out = new StreamWriter(ctx.res);
    let sent = 0;
    let head = spec.head ?? '';
    try {
      for (;;) {
        const batch = rows.length > 0 ? spec.format(rows) : { text: '', rows: 0, stop: true };
        sent += batch.rows;
        const text = head === '' ? batch.text : typeof batch.text === 'string' ? head + batch.text : Buffer.concat([Buffer.from(head), batch.text]);
        head = '';
        if (text.length > 0 && !(await out.write(text))) return; // the client left: stop reading
        if (batch.stop === true) break;
        rows = await source.next();
      }
      await spec.check?.();
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
    await source.close(failure);
  }
}
