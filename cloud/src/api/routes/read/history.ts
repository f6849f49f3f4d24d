/**
 * GET /v1/hospitals/:hospitalId/patients/:patientId/history?metric=HR&from=ISO&to=ISO:
 * one metric of one patient over [from, to), oldest first, as NDJSON, streamed in
 * constant memory by streamSource (cursor-stream.ts: the 200 only after the first read,
 * an `{"error": ...}` line instead of the final `{"done": true, ...}` line when the
 * database or the archive fails mid-stream). Days past the hot period are read from the
 * archive and merged in (history-sources.ts); the answer names them in the
 * `Wardlink-Archived-Days` header and the done line's `archivedDays`.
 */
import { streamSource } from './cursor-stream.js';
import type { ReadRouteDeps } from './deps.js';
import { HistoryPurgedError } from './history-errors.js';
import { parseHistoryQuery } from './history-params.js';
import { HistoryLines, type ReadingRun } from './history-line.js';
import { historySources } from './history-sources.js';
import { readingRuns } from './hour-rows.js';
import { metricUnitsOf } from './metric-units.js';
import { NDJSON, ndjsonLine } from './ndjson.js';
import type { ReadHandler } from './read-route.js';
import { metricView } from './vital-view.js';

/** The header naming the days read from the archive (comma-separated 'YYYY-MM-DD'). */
export const ARCHIVED_DAYS_HEADER = 'wardlink-archived-days';
/** On a 410: the days that were purged. */
export const PURGED_DAYS_HEADER = 'wardlink-purged-days';

export function patientHistory(deps: ReadRouteDeps, route: string): ReadHandler {
  return async (ctx, params) => {
    const query = parseHistoryQuery(new URL(ctx.req.url ?? '/', 'http://x').searchParams, deps.historyMaxDays);
    Object.assign(ctx.fields, { patientId: params.patientId, metric: query.id, from: query.from.toISOString(), to: query.to.toISOString() });
    const metric = metricView(query.mdcCode, await metricUnitsOf(deps.pool, deps.clock).unitsOf(params.hospitalId!, [query.mdcCode]));
    let plan;
    try {
      plan = await historySources(deps, { hospitalId: params.hospitalId!, patientId: params.patientId!, mdcCode: query.mdcCode, from: query.from, to: query.to });
    } catch (err) {
      if (!(err instanceof HistoryPurgedError)) throw err;
      ctx.sendError(err, { [PURGED_DAYS_HEADER]: err.purgedDays.join(',') });
      return;
    }
    const archived = plan.archivedDays.length > 0 ? { archivedDays: plan.archivedDays } : {};
    if (plan.archivedDays.length > 0) ctx.fields.archivedDays = plan.archivedDays.length;
    let sent = 0;
    let nextFrom: string | undefined;
    // One line per reading; a CLOCK_SUSPECT reading also says what the device's clock said.
    const writer = new HistoryLines();
    await streamSource<ReadingRun>(ctx, deps, readingRuns(plan.source), {
      route,
      contentType: NDJSON,
      ...(plan.archivedDays.length > 0 ? { headers: { [ARCHIVED_DAYS_HEADER]: plan.archivedDays.join(',') } } : {}),
      // Each read's lines are written into one buffer, sent in one write.
      format: (runs) => {
        let count = 0;
        for (const run of runs) {
          const lines = Math.min(run.length, deps.historyMaxRows - sent);
          writer.addRun(run, 0, lines);
          sent += lines;
          count += lines;
          if (lines < run.length) {
            nextFrom = new Date(run.t_ms[lines]!).toISOString();
            break;
          }
        }
        return { text: writer.take(), rows: count, stop: nextFrom !== undefined };
      },
      check: plan.check,
      done: (rows) => ndjsonLine({ done: true, rows, truncated: nextFrom !== undefined, ...(nextFrom === undefined ? {} : { nextFrom }), ...archived, metric }),
      failed: (error, traceId) => ndjsonLine({ error, traceId }),
    });
  };
}
