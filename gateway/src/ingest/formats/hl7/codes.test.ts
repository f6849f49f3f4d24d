import { METRICS, type MetricId } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { normalizeMdcCode, resolveObservation } from './codes.js';

/**
 * The catalog's codes against ISO/IEEE 11073-10101:2004 term codes (partition::term, as
 * in its Annex B tables and in PCD-01 vendor guides). The parser keys on these numbers,
 * so a wrong one silently drops a vital sign.
 */
const EXPECTED: Array<[MetricId, number, string, number]> = [
  ['HR', 16770, 'MDC_ECG_HEART_RATE', 2720],
  ['PR', 18458, 'MDC_PULS_OXIM_PULS_RATE', 2720],
  ['SPO2', 19384, 'MDC_PULS_OXIM_SAT_O2', 544],
  ['PI', 19376, 'MDC_PULS_OXIM_PERF_REL', 544],
  ['RR', 20490, 'MDC_RESP_RATE', 2784],
  ['NIBP_SYS', 18949, 'MDC_PRESS_BLD_NONINV_SYS', 3872],
  ['NIBP_DIA', 18950, 'MDC_PRESS_BLD_NONINV_DIA', 3872],
  ['NIBP_MEAN', 18951, 'MDC_PRESS_BLD_NONINV_MEAN', 3872],
  ['ABP_SYS', 18961, 'MDC_PRESS_BLD_ART_SYS', 3872],
  ['ABP_DIA', 18962, 'MDC_PRESS_BLD_ART_DIA', 3872],
  ['ABP_MEAN', 18963, 'MDC_PRESS_BLD_ART_MEAN', 3872],
  ['TEMP', 19292, 'MDC_TEMP_BODY', 6048],
  ['ETCO2', 20636, 'MDC_CONC_AWAY_CO2_ET', 3872],
];

const none = { code: '', name: '', codingSystem: '' };

describe('MDC codes', () => {
  it('match the 11073-10101 term codes the parser keys on', () => {
    for (const [id, term, refId, unitTerm] of EXPECTED) {
      expect(METRICS[id], id).toMatchObject({ mdcCode: 2 * 65536 + term, mdcRefId: refId, unitMdcCode: 4 * 65536 + unitTerm });
      expect(resolveObservation({ ...none, code: String(2 * 65536 + term), codingSystem: 'MDC' })?.id).toBe(id);
      expect(resolveObservation({ ...none, name: refId })?.id).toBe(id);
    }
  });

  it('reads EtCO2 sent as MDC_AWAY_CO2_ET (151728) too', () => {
    expect(resolveObservation({ code: '151728', name: 'MDC_AWAY_CO2_ET', codingSystem: 'MDC' })?.id).toBe('ETCO2');
    expect(resolveObservation({ ...none, name: 'MDC_AWAY_CO2_ET' })?.id).toBe('ETCO2');
  });

  it('converts Philips MDIL hex codes', () => {
    expect(normalizeMdcCode('0002-4bb8')).toBe('150456');
    expect(normalizeMdcCode('0004-0F20')).toBe('266016');
    expect(normalizeMdcCode('150456')).toBe('150456');
    expect(resolveObservation({ code: '0002-4182', name: 'HR', codingSystem: 'MDIL' })?.id).toBe('HR');
  });

  it('looks private codes up only in the vendor map (code first, then name)', () => {
    const privateSpo2 = { code: '150456', name: 'ACME_SAT', codingSystem: '99ACME' };
    expect(resolveObservation(privateSpo2)).toBeUndefined();
    expect(resolveObservation(privateSpo2, { ACME_SAT: 'SPO2' })?.id).toBe('SPO2');
    expect(resolveObservation({ code: '147842', name: '', codingSystem: 'MDC' }, { '147842': 'PR' })?.id).toBe('PR');
    expect(resolveObservation({ code: 'x', name: 'y', codingSystem: '' }, { x: 'NOT_A_METRIC' })).toBeUndefined();
    expect(resolveObservation({ code: '__proto__', name: 'constructor', codingSystem: '' }, {})).toBeUndefined();
  });
});
