/**
 * Rounds a value to its metric's monitor resolution. Same result as the shared
 * `quantize` (a test checks it on many values), without its decimal formatting, which
 * was most of the generation time: dividing the integer step count by a power of ten
 * gives the same nearest double that parsing the formatted decimal does.
 */
import { METRICS, type MetricId } from '@wardlink/shared';

const SCALE = Object.fromEntries(
  (Object.keys(METRICS) as MetricId[]).map((m) => [m, 10 ** Math.max(0, -Math.round(Math.log10(METRICS[m].resolution)))]),
) as Record<MetricId, number>;

export function atResolution(metric: MetricId, value: number): number {
  // `+ 0` turns -0 into 0, as quantize does.
  return Math.round(value / METRICS[metric].resolution) / SCALE[metric] + 0;
}
