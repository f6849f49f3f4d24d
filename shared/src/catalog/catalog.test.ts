import { describe, expect, it } from 'vitest';
import { METRIC_IDS, METRICS } from './metrics.js';
import { isPossible, metricByMdcCode, quantize } from './lookup.js';
import { FAMILY_TERMS } from './families.js';
import { isMetricKey, mdcCodeOfKey } from './metric-key.js';
import { metricDisplayName } from './terms.js';
import { resolveTerm } from './vendor-map.js';

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
    expect(resolveTerm({ code: '196674', name: 'VENDOR_SAT' }, { '196674': 'SPO2' })).toMatchObject({ kind: 'catalog', metric: { id: 'SPO2' } });
    expect(resolveTerm({ code: '147842' })).toMatchObject({ kind: 'catalog', metric: { id: 'HR' } });
    expect(resolveTerm({ code: '', name: 'MDC_PULS_OXIM_PULS_RATE' })).toMatchObject({ kind: 'catalog', metric: { id: 'PR' } });
    expect(resolveTerm({ code: '999999', name: 'UNKNOWN' })).toEqual({ kind: 'uncatalogued', code: 999999 });
    expect(resolveTerm({ code: '999999', name: 'UNKNOWN', codingSystem: '99ACME' })).toBeUndefined();
  });

  it('puts every catalog metric first in its family, and no term in two families', () => {
    const seen = new Map<number, string>();
    for (const t of FAMILY_TERMS) {
      if (t.rank === 0) expect(t.code).toBe(METRICS[t.metric].mdcCode);
      expect(Math.floor(t.code / 65536)).toBe(2);
      const other = seen.get(t.code);
      expect(other === undefined || other === t.metric, `${t.refId} in ${other} and ${t.metric}`).toBe(true);
      seen.set(t.code, t.metric);
    }
    for (const id of METRIC_IDS) expect(FAMILY_TERMS.some((t) => t.metric === id && t.rank === 0)).toBe(true);
  });

  it('keys uncatalogued terms by their code, never a catalog metric\'s own code', () => {
    expect(isMetricKey('150047')).toBe(true);
    expect(isMetricKey('HR')).toBe(true);
    expect(isMetricKey('0150047')).toBe(false);
    expect(isMetricKey('4294967296')).toBe(false);
    expect(mdcCodeOfKey('HR')).toBe(147842);
    expect(mdcCodeOfKey('150047')).toBe(150047);
    expect(metricDisplayName('150047')).toBe('PAP mean');
    expect(metricDisplayName('150344')).toBe('Body temperature (MDC_TEMP)');
    expect(metricDisplayName('99')).toBe('MDC 99');
  });
});
