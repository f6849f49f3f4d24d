/**
 * quantizePossible gives exactly the catalog's `quantize` (the same double, -0 included) for
 * every value buildObservation quantizes: every step of every catalog metric's possible range,
 * values between steps, and resolutions that are not a power of ten (those fall back).
 */
import { METRIC_IDS, METRICS, quantize, type MetricDefinition } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { quantizePossible } from './quantizer.js';

function mismatches(metric: MetricDefinition, values: Iterable<number>): number[] {
  const out: number[] = [];
  for (const v of values) if (!Object.is(quantizePossible(metric, v), quantize(metric, v))) out.push(v);
  return out;
}

function* across(metric: MetricDefinition, perStep: number[]): Generator<number> {
  const { possibleMin: min, possibleMax: max, resolution: res } = metric;
  yield -0;
  yield min;
  yield max;
  for (let steps = Math.round(min / res); steps * res <= max; steps++) {
    for (const f of perStep) {
      const v = (steps + f) * res;
      if (v >= min && v <= max) yield v;
    }
  }
}

describe('quantizePossible', () => {
  it('matches quantize on every step of every catalog metric, and between the steps', () => {
    for (const id of METRIC_IDS) {
      const metric = METRICS[id];
      expect(mismatches(metric, across(metric, [0, 0.5, -0.5, 0.4999999, 0.5000001, 0.25, 0.75, 1e-9])), id).toEqual([]);
    }
  });

  it('matches quantize on random values within each range', () => {
    for (const id of METRIC_IDS) {
      const m = METRICS[id];
      const values = Array.from({ length: 2000 }, () => m.possibleMin + Math.random() * (m.possibleMax - m.possibleMin));
      expect(mismatches(m, values), id).toEqual([]);
    }
  });

  it('falls back to quantize for a resolution that is not a power of ten', () => {
    for (const resolution of [0.5, 0.25, 2, 5, 0.05]) {
      const metric: MetricDefinition = { ...METRICS.TEMP, resolution };
      expect(mismatches(metric, across(metric, [0, 0.5, 0.3, 0.7])), String(resolution)).toEqual([]);
    }
  });
});
