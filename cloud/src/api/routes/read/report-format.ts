/**
 * How a report row is written: CSV (default, for spreadsheets) or NDJSON, both with the
 * metric by catalog id, name and unit (the database holds only the MDC code) and the
 * bucket start as ISO 8601 UTC. Both formats end with a line that says whether the report
 * is complete, because a report that silently misses its last patients must not pass
 * for a whole one: CSV a `#done` or `#error` comment line (skip it with your reader's
 * comment option, e.g. pandas `comment="#"`), NDJSON a `done` or `error` object.
 */
import { csvLine, CSV } from './csv.js';
import type { CursorStream } from './cursor-stream.js';
import { NDJSON, ndjsonLine } from './ndjson.js';
import type { ReportFormat } from './report-params.js';
import { metricView } from './vital-view.js';

export interface ReportRow {
  patient_id: string;
  metric: number;
  bucket: Date;
  count: number;
  flagged: number;
  measured: number;
  /** Null when every reading of the bucket was flagged as not physiology. */
  min: number | null;
  max: number | null;
  avg: number | null;
}

export const CSV_COLUMNS = ['patient_id', 'metric', 'metric_name', 'mdc_code', 'unit', 'bucket_start', 'count', 'flagged', 'measured', 'min', 'max', 'avg'] as const;

type Format = Pick<CursorStream<ReportRow>, 'contentType' | 'head' | 'failed'> & {
  row(r: ReportRow, units: ReadonlyMap<number, string>): string;
  /** The last line of a complete report; it names the days read from the archive, if any. */
  done(rows: number, archivedDays: readonly string[]): string;
};

export const REPORT_FORMATS: Record<ReportFormat, Format> = {
  csv: {
    contentType: CSV,
    head: csvLine([...CSV_COLUMNS]),
    row: (r, units) => {
      const m = metricView(r.metric, units);
      return csvLine([r.patient_id, m.id, m.name, m.mdcCode, m.unit, r.bucket.toISOString(), r.count, r.flagged, r.measured, r.min, r.max, r.avg]);
    },
    done: (rows, archivedDays) => `#done,rows=${rows}${archivedDays.length > 0 ? `,archivedDays=${archivedDays.join(';')}` : ''}\r\n`,
    failed: (error, traceId) => `#error,${error.code},traceId=${traceId}\r\n`,
  },
  ndjson: {
    contentType: NDJSON,
    row: (r, units) =>
      ndjsonLine({
        patientId: r.patient_id,
        metric: metricView(r.metric, units),
        bucket: r.bucket.toISOString(),
        count: r.count,
        flagged: r.flagged,
        measured: r.measured,
        min: r.min,
        max: r.max,
        avg: r.avg,
      }),
    done: (rows, archivedDays) => ndjsonLine({ done: true, rows, ...(archivedDays.length > 0 ? { archivedDays } : {}) }),
    failed: (error, traceId) => ndjsonLine({ error, traceId }),
  },
};
