/**
 * The query of a history request: ?metric=HR&from=ISO&to=ISO. Every refusal is a 400
 * with its own code, so a client can tell a typo in the metric from a range too long.
 * Times must carry their zone (Z or ±hh:mm): a bare local time means a different
 * instant on every machine, which is not acceptable for patient data.
 */
import { InvalidParameterError, isMetricId, METRIC_IDS, metricByMdcCode, METRICS, type MetricDefinition } from '@wardlink/shared';

export interface HistoryQuery {
  metric: MetricDefinition;
  from: Date;
  to: Date;
}

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const DAY_MS = 86_400_000;

export function parseHistoryQuery(search: URLSearchParams, maxDays: number): HistoryQuery {
  const metric = parseMetric(search.get('metric'));
  const from = parseTime('from', search.get('from'));
  const to = parseTime('to', search.get('to'));
  if (from.getTime() >= to.getTime()) {
    throw new InvalidParameterError('WL_API_INVALID_RANGE', 'from', 'from must be before to (the range is [from, to))', { from: from.toISOString(), to: to.toISOString() });
  }
  if (to.getTime() - from.getTime() > maxDays * DAY_MS) {
    throw new InvalidParameterError('WL_API_RANGE_TOO_LONG', 'to', `the range is longer than ${maxDays} days; ask for it in pieces of at most ${maxDays} days`, { maxDays });
  }
  return { metric, from, to };
}

/** A catalog id (HR, SPO2, ...) or an MDC code (147842). */
function parseMetric(raw: string | null): MetricDefinition {
  if (raw !== null && isMetricId(raw)) return METRICS[raw];
  const byCode = raw !== null && /^\d{1,9}$/.test(raw) ? metricByMdcCode(Number(raw)) : undefined;
  if (byCode) return byCode;
  throw new InvalidParameterError(
    'WL_API_UNKNOWN_METRIC',
    'metric',
    raw === null ? `metric is required; use one of ${METRIC_IDS.join(', ')} or its MDC code` : `metric "${raw.slice(0, 64)}" is not in the catalog; use one of ${METRIC_IDS.join(', ')} or its MDC code`,
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
