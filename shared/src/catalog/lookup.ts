import { METRIC_IDS, METRICS, type MetricDefinition, type MetricId } from './metrics.js';

const byCode = new Map<number, MetricDefinition>();
const byRefId = new Map<string, MetricDefinition>();
for (const id of METRIC_IDS) {
  const m = METRICS[id];
  byCode.set(m.mdcCode, m);
  byRefId.set(m.mdcRefId, m);
}

export function isMetricId(value: string): value is MetricId {
  return (METRIC_IDS as readonly string[]).includes(value);
}

export function metricById(id: MetricId): MetricDefinition {
  return METRICS[id];
}

export function metricByMdcCode(code: number): MetricDefinition | undefined {
  return byCode.get(code);
}

export function metricByRefId(refId: string): MetricDefinition | undefined {
  return byRefId.get(refId);
}

/** Rounds `value` to the metric's resolution, avoiding binary float noise (36.6 stays 36.6). */
export function quantize(metric: MetricDefinition, value: number): number {
  const steps = Math.round(value / metric.resolution);
  const decimals = Math.max(0, -Math.round(Math.log10(metric.resolution)));
  return Number((steps * metric.resolution).toFixed(decimals));
}

/** True when the value is within the catalog's physiologically possible range. */
export function isPossible(metric: MetricDefinition, value: number): boolean {
  return Number.isFinite(value) && value >= metric.possibleMin && value <= metric.possibleMax;
}
