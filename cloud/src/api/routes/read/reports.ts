/**
 * GET /v1/hospitals/:hospitalId/reports/daily?date=YYYY-MM-DD and
 * .../reports/weekly?week=YYYY-Www: per patient, metric and UTC hour (daily) or day
 * (weekly), the count, flagged count, min, max and avg of the readings, computed by
 * PostgreSQL in one statement (REPORT_SQL) and streamed by streamSource, so memory does
 * not grow with the hospital's size: CSV by default, NDJSON with ?format=ndjson. Days
 * past the hot period are aggregated from the archive by DuckDB and merged in
 * (report-sources.ts); the answer names them (`Wardlink-Archived-Days`, the done line).
 */
import { NOT_PHYSIOLOGY } from '../../../storage/not-physiology.js';
import { streamSource } from './cursor-stream.js';
import type { ReadRouteDeps } from './deps.js';
import { HistoryPurgedError } from './history-errors.js';
import { ARCHIVED_DAYS_HEADER, PURGED_DAYS_HEADER } from './history.js';
import { metricUnitsOf } from './metric-units.js';
import { REPORT_FORMATS, type ReportRow } from './report-format.js';
import { reportSources } from './report-sources.js';
import { parseReportDate, parseReportFormat, parseReportWeek, type ReportPeriod } from './report-params.js';
import type { ReadHandler } from './read-route.js';

export { NOT_PHYSIOLOGY };

interface ReportKind {
  bucket: '1 hour' | '1 day';
  period(search: URLSearchParams): ReportPeriod;
}

export const DAILY: ReportKind = { bucket: '1 hour', period: (s) => parseReportDate(s.get('date')) };
export const WEEKLY: ReportKind = { bucket: '1 day', period: (s) => parseReportWeek(s.get('week')) };

export function hospitalReport(deps: ReadRouteDeps, route: string, kind: ReportKind): ReadHandler {
  return async (ctx, params) => {
    const search = new URL(ctx.req.url ?? '/', 'http://x').searchParams;
    const period = kind.period(search);
    const format = REPORT_FORMATS[parseReportFormat(search.get('format'))];
    Object.assign(ctx.fields, { report: period.label, from: period.from.toISOString(), to: period.to.toISOString() });
    const units = await metricUnitsOf(deps.pool, deps.clock).allOf(params.hospitalId!);
    let plan;
    try {
      plan = await reportSources(deps, { hospitalId: params.hospitalId!, from: period.from, to: period.to, bucket: kind.bucket });
    } catch (err) {
      if (!(err instanceof HistoryPurgedError)) throw err;
      ctx.sendError(err, { [PURGED_DAYS_HEADER]: err.purgedDays.join(',') });
      return;
    }
    if (plan.archivedDays.length > 0) ctx.fields.archivedDays = plan.archivedDays.length;
    await streamSource<ReportRow>(ctx, deps, plan.source, {
      route,
      contentType: format.contentType,
      ...(plan.archivedDays.length > 0 ? { headers: { [ARCHIVED_DAYS_HEADER]: plan.archivedDays.join(',') } } : {}),
      ...(format.head === undefined ? {} : { head: format.head }),
      format: (rows) => ({ text: rows.map((r) => format.row(r, units)).join(''), rows: rows.length }),
      check: plan.check,
      done: (rows) => format.done(rows, plan.archivedDays),
      failed: format.failed,
    });
  };
}
