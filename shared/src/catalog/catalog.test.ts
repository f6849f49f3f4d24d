import { describe, expect, it } from 'vitest';
import { METRIC_IDS, METRICS } from './metrics.js';
import { isPossible, metricByMdcCode, quantize } from './lookup.js';
import { resolveMetric } from './vendor-map.js';

describe('metric catalog', () => {
  it('gives every metric a unique partition-2 MDC code and a power-of-ten resolution', () => {
    const codes = new Set<number>();
    for (const id of METRIC_IDS) {
      const m = METRICS[id];
      expect(m.id).toBe(id);
      expect(Math.floor(m.mdcCode / 65536)).toBe(2);
      expect(Math.floor(m.unitMdcCode / 65536)).toBe(4);
      expect(codes.has(m.mdcCode)).toBe(false);
      codes.add(m.mdcCode);
      expect(Number.isInteger(Math.log10(m.resolution))).toBe(true);
      expect(m.possibleMin).toBeLessThan(m.possibleMax);
    }
  });

  it('finds metrics by MDC code and quantizes to monitor resolution', () => {
    expect(metricByMdcCode(150456)?.id).toBe('SPO2');
    expect(quantize(METRICS.TEMP, 36.649999)).toBe(36.6);
    expect(quantize(METRICS.PI, 3.14159)).toBe(3.14);
    expect(quantize(METRICS.HR, 72.4)).toBe(72);
    expect(isPossible(METRICS.SPO2, 101)).toBe(false);
    expect(isPossible(METRICS.SPO2, Number.NaN)).toBe(false);
  });

  it('resolves vendor-private codes through the device map before MDC codes', () => {
    expect(resolveMetric({ code: '196674', name: 'VENDOR_SAT' }, { '196674': 'SPO2' })?.id).toBe('SPO2');
    expect(resolveMetric({ code: '147842' })?.id).toBe('HR');
    expect(resolveMetric({ code: '', name: 'MDC_PULS_OXIM_PULS_RATE' })?.id).toBe('PR');
    expect(resolveMetric({ code: '999999', name: 'UNKNOWN' })).toBeUndefined();
  });
});
