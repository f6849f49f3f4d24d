/**
 * The catalog's `quantize` (shared/src/catalog/lookup.ts) without its decimal-string round
 * trip (`toFixed`, then `Number`), which costs most of an observation's build on the MQTT
 * path (issue 18). For a resolution of 10^-d, rounding to `steps` and dividing by 10^d gives
 * the same double; each metric takes this way only after it gave exactly `quantize`'s result
 * for every step of the metric's possible range (the only values quantized: buildObservation
 * checks `isPossible` first), else every value of it keeps going through `quantize`.
 */
import { quantize, type MetricDefinition } from '@wardlink/shared';

/** 10^d per metric checked; null: this metric always goes through `quantize`. */
const scales = new Map<MetricDefinition, number | null>();

/** `quantize(metric, value)` for a value within the metric's possible range. */
export function quantizePossible(metric: MetricDefinition, value: number): number {
  let scale = scales.get(metric);
  if (scale === undefined) scales.set(metric, (scale = checkedScale(metric)));
  if (scale === null) return quantize(metric, value);
  // `+ 0`: -0 becomes 0, as quantize's string round trip makes it.
  return Math.round(value / metric.resolution) / scale + 0;
}

function checkedScale(metric: MetricDefinition): number | null {
  const res = metric.resolution;
  const scale = Math.round(1 / res);
  const first = Math.round(metric.possibleMin / res);
  const last = Math.round(metric.possibleMax / res);
  if (!(scale >= 1) || last - first > 1_000_000) return null;
  const same = (steps: number) => {
    const value = steps * res;
    return Math.round(value / res) === steps && Object.is(quantize(metric, value), steps / scale + 0);
  };
  if (!same(-0)) return null;
  for (let steps = first; steps <= last; steps++) if (!same(steps)) return null;
  return scale;
}
