/**
 * GET /v1/hospitals/:hospitalId/patients/:patientId/history?metric=HR&from=ISO&to=ISO:
 * one metric of one patient over [from, to), oldest first, as NDJSON, streamed in
 * constant memory by streamCursor (cursor-stream.ts: the 200 only after the first read,
 * an `{"error": ...}` line instead of the final `{"done": true, ...}` line when the
 * database fails mid-stream).
 */
import { HISTORY_SQL } from '../../../storage/queries.js';
import { streamCursor } from './cursor-stream.js';
import type { ReadRouteDeps } from './deps.js';
import { parseHistoryQuery } from './history-params.js';
import { NDJSON, ndjsonLine } from './ndjson.js';
import type { ReadHandler } from './read-route.js';
import { QualityFlag } from '@wardlink/shared';
import { metricUnitsOf } from './metric-units.js';
import { flagNames, metricView } from './vital-view.js';

interface HistoryRow {
  t: Date;
  value: number;
  flags: number;
  received_at: Date;
}

/** One reading's line. A CLOCK_SUSPECT reading also says what the device's clock said. */
function historyLine(r: HistoryRow): string {
  const line: Record<string, unknown> = { t: r.t.toISOString(), value: r.value, flags: flagNames(r.flags) };
  if (r.flags & QualityFlag.CLOCK_SUSPECT) line.deviceClock = r.received_at.toISOString();
  return ndjsonLine(line);
}

export function patientHistory(deps: ReadRouteDeps, route: string): ReadHandler {
  return async (ctx, params) => {
    const query = parseHistoryQuery(new URL(ctx.req.url ?? '/', 'http://x').searchParams, deps.historyMaxDays);
    Object.assign(ctx.fields, { patientId: params.patientId, metric: query.id, from: query.from.toISOString(), to: query.to.toISOString() });
    const metric = metricView(query.mdcCode, await metricUnitsOf(deps.pool, deps.clock).unitsOf(params.hospitalId!, [query.mdcCode]));
    let sent = 0;
    let nextFrom: string | undefined;
    await streamCursor<HistoryRow>(ctx, deps, {
      route,
      sql: HISTORY_SQL,
      params: [params.hospitalId, params.patientId, query.mdcCode, query.from, query.to],
      contentType: NDJSON,
      format: (rows) => {
        let text = '';
        let count = 0;
        for (const r of rows) {
          if (sent === deps.historyMaxRows) {
            nextFrom = r.t.toISOString();
            break;
          }
          text += historyLine(r);
          sent++;
          count++;
        }
        return { text, rows: count, stop: nextFrom !== undefined };
      },
      done: (rows) => ndjsonLine({ done: true, rows, truncated: nextFrom !== undefined, ...(nextFrom === undefined ? {} : { nextFrom }), metric }),
      failed: (error, traceId) => ndjsonLine({ error, traceId }),
    });
  };
}
