import { describe, expect, it } from 'vitest';
import { METRICS, QualityFlag } from '@wardlink/shared';
import { flagNames, metricView } from './vital-view.js';

describe('how readers see a stored reading', () => {
  it('names a catalog metric by id, name, MDC code and UCUM unit', () => {
    expect(metricView(METRICS.TEMP.mdcCode)).toEqual({ id: 'TEMP', name: METRICS.TEMP.displayName, mdcCode: METRICS.TEMP.mdcCode, mdcRefId: METRICS.TEMP.mdcRefId, unit: METRICS.TEMP.ucum, catalogued: true });
  });

  it('keeps a code the catalog does not know, with nulls instead of guessing', () => {
    expect(metricView(999_999)).toEqual({ id: null, name: null, mdcCode: 999_999, mdcRefId: null, unit: null, catalogued: false });
    // An uncatalogued term Wardlink knows by name, with the unit registered for the hospital.
    expect(metricView(150047, new Map([[150047, 'mm[Hg]']]))).toEqual({ id: null, name: 'PAP mean', mdcCode: 150047, mdcRefId: 'MDC_PRESS_BLD_ART_PULM_MEAN', unit: 'mm[Hg]', catalogued: false });
  });

  it('decodes the flag mask to names in bit order, keeping unknown bits as numbers', () => {
    expect(flagNames(0)).toEqual([]);
    expect(flagNames(QualityFlag.DEMO | QualityFlag.INVALID)).toEqual(['INVALID', 'DEMO']);
    expect(flagNames(QualityFlag.CLOCK_SUSPECT | 0x40)).toEqual(['CLOCK_SUSPECT', 0x40]);
  });
});
