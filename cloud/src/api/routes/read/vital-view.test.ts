import { describe, expect, it } from 'vitest';
import { METRICS, QualityFlag } from '@wardlink/shared';
import { flagNames, metricView } from './vital-view.js';

describe('how readers see a stored reading', () => {
  it('names a catalog metric by id, name, MDC code and UCUM unit', () => {
    expect(metricView(METRICS.TEMP.mdcCode)).toEqual({ id: 'TEMP', name: METRICS.TEMP.displayName, mdcCode: METRICS.TEMP.mdcCode, mdcRefId: METRICS.TEMP.mdcRefId, unit: METRICS.TEMP.ucum });
  });

  it('keeps a code the catalog does not know, with nulls instead of guessing', () => {
    expect(metricView(999_999)).toEqual({ id: null, name: null, mdcCode: 999_999, mdcRefId: null, unit: null });
  });

  it('decodes the flag mask to names in bit order, keeping unknown bits as numbers', () => {
    expect(flagNames(0)).toEqual([]);
    expect(flagNames(QualityFlag.DEMO | QualityFlag.INVALID)).toEqual(['INVALID', 'DEMO']);
    expect(flagNames(QualityFlag.CLOCK_CORRECTED | 0x40)).toEqual(['CLOCK_CORRECTED', 0x40]);
  });
});
