/** Writes a value at its metric's resolution (TEMP 36.6, PI 3.10); invalid markers raw. */
import { METRICS, QualityFlag, type MetricId } from '@wardlink/shared';

export function decimalsOf(metric: MetricId): number {
  return Math.max(0, -Math.round(Math.log10(METRICS[metric].resolution)));
}

export function formatValue(metric: MetricId, value: number, flags = 0): string {
  if ((flags & QualityFlag.INVALID) !== 0) return String(value);
  return value.toFixed(decimalsOf(metric));
}
