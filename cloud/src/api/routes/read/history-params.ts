/**
 * The query of a history request: ?metric=HR&from=ISO&to=ISO. Every refusal is a 400
 * with its own code, so a client can tell a typo in the metric from a range too long.
 * Times must carry their zone (Z or ±hh:mm): a bare local time means a different
 * instant on every machine, which is not acceptable for patient data.
 */
import { InvalidParameterError, isMetricId, METRIC_IDS, METRICS, parseMdcCode } from '@wardlink/shared';

export interface HistoryQuery {
  /** The MDC code the rows are stored under (a catalog metric's own code, or any term's). */
  mdcCode: number;
  /** The catalog id, or the code in decimal for an uncatalogued term. */
  id: string;
  from: Date;
  to: Date;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

export function parseHistoryQuery(search: URLSearchParams, maxDays: number): HistoryQuery {
  const mdcCode = parseMetric(search.get('metric'));
  const id = Object.values(METRICS).find((m) => m.mdcCode === mdcCode)?.id ?? String(mdcCode);
  const from = parseTime('from', search.get('from'));
  const to = parseTime('to', search.get('to'));
  if (from.getTime() >= to.getTime()) {
    throw new InvalidParameterError('WL_API_INVALID_RANGE', 'from', 'from must be before to (the range is [from, to))', { from: from.toISOString(), to: to.toISOString() });
  }
  if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
    throw new InvalidParameterError('WL_API_RANGE_TOO_LONG', 'to', `the range is longer than ${maxDays} days; ask for it in pieces of at most ${maxDays} days`, { maxDays });
  }
  return { mdcCode, id, from, to };
}

/** A catalog id (HR, SPO2, ...) or an MDC code: a catalog metric's (147842), or any
 * uncatalogued term's (150047). A family term's code (150344, MDC_TEMP) names the rows
 * kept under that code: those that lost to a better term of the family in their record. */
function parseMetric(raw: string | null): number {
  if (raw !== null && isMetricId(raw)) return METRICS[raw].mdcCode;
  const code = raw !== null ? parseMdcCode(raw) : undefined;
  if (code !== undefined && /^\d+$/.test(raw!)) return code;
  throw new InvalidParameterError(
    'WL_API_UNKNOWN_METRIC',
    'metric',
    raw === null ? `metric is required; use one of ${METRIC_IDS.join(', ')} or an MDC code` : `metric "${raw.slice(0, 64)}" is neither a catalog id (${METRIC_IDS.join(', ')}) nor an MDC code`,
  );
}

function parseTime(name: 'from' | 'to', raw: string | null): Date {
  const ms = raw !== null && ISO_WITH_ZONE.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(ms)) {
    throw new InvalidParameterError(
      'WL_API_INVALID_TIME',
      name,
      `${name} must be an ISO 8601 time with its zone, e.g. 2026-03-01T08:00:00Z${raw === null ? ' (it is required)' : ''}`,
      raw === null ? {} : { value: raw.slice(0, 64) },
    );
  }
  return new Date(ms);
}
