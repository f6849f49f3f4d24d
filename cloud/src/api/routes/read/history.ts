/**
 * GET /v1/hospitals/:hospitalId/patients/:patientId/history?metric=HR&from=ISO&to=ISO:
 * one metric of one patient over [from, to), oldest first, as NDJSON, streamed in
 * constant memory: a server-side cursor (pg-cursor) reads BATCH_ROWS rows at a time, and
 * the next batch is read only once the socket took the last one.
 *
 * The first batch is read before the 200 is sent, so an unavailable database is still a
 * 503 with Retry-After. After that the status cannot change: a failure ends the stream
 * with an `{"error": ...}` line instead of the final `{"done": true, ...}` line, which is
 * how a client knows whether it got everything.
 */
import Cursor from 'pg-cursor';
import { answerFor } from '../../errors.js';
import { connectClient } from '../../../storage/pool.js';
import { toDatabaseError } from '../../../storage/db-errors.js';
import { HISTORY_SQL } from '../../../storage/queries.js';
import type { ReadRouteDeps } from './deps.js';
import { parseHistoryQuery } from './history-params.js';
import { NDJSON, NdjsonWriter } from './ndjson.js';
import type { ReadHandler } from './read-route.js';
import { flagNames } from './vital-view.js';

/** Rows per cursor read: large enough to amortize the round trip, small enough (~60 kB
 * of JSON) that memory does not depend on the range. */
export const BATCH_ROWS = 1_000;

interface HistoryRow {
  t: Date;
  value: number;
  flags: number;
}

export function patientHistory(deps: ReadRouteDeps, route: string): ReadHandler {
  return async (ctx, params) => {
    const query = parseHistoryQuery(new URL(ctx.req.url ?? '/', 'http://x').searchParams, deps.historyMaxDays);
    Object.assign(ctx.fields, { patientId: params.patientId, metric: query.metric.id, from: query.from.toISOString(), to: query.to.toISOString() });
    const client = await connectClient(deps.pool);
    const cursor = client.query(
      new Cursor<HistoryRow>(HISTORY_SQL, [params.hospitalId, params.patientId, query.metric.mdcCode, query.from, query.to]),
    );
    let failure: unknown;
    try {
      let rows = await cursor.read(BATCH_ROWS).catch((err: unknown) => {
        throw toDatabaseError(err);
      });
      ctx.startStream(200, NDJSON);
      const out = new NdjsonWriter(ctx.res);
      let sent = 0;
      let nextFrom: string | undefined;
      try {
        while (rows.length > 0 && nextFrom === undefined) {
          let lines = '';
          for (const r of rows) {
            if (sent === deps.historyMaxRows) {
              nextFrom = r.t.toISOString();
              break;
            }
            lines += `${JSON.stringify({ t: r.t.toISOString(), value: r.value, flags: flagNames(r.flags) })}\n`;
            sent++;
          }
          if (!(await out.write(lines))) return; // the client left: stop reading
          if (nextFrom === undefined) rows = await cursor.read(BATCH_ROWS);
        }
        ctx.fields.rows = sent;
        out.end({ done: true, rows: sent, truncated: nextFrom !== undefined, ...(nextFrom === undefined ? {} : { nextFrom }) });
      } catch (err) {
        failure = err;
        const answer = answerFor(err);
        deps.metrics.readStreamFailures.inc({ route });
        Object.assign(ctx.fields, { rows: sent, code: answer.code });
        ctx.log.warn({ err, code: answer.code, rows: sent }, 'history stream failed after its first rows');
        out.end({ error: { code: answer.code, message: answer.message }, traceId: ctx.trace.traceId });
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
  };
}
