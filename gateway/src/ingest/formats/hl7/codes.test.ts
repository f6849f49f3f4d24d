import { METRICS, type MetricId, type ResolvedTerm, type VendorCodeMap } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { normalizeMdcCode, resolveObservation as resolve, type ObservationIdentifier } from './codes.js';

/** What a term is kept as: the catalog id, or the uncatalogued code in decimal. */
function keyOf(term: ResolvedTerm | undefined): string | undefined {
  return term === undefined ? undefined : term.kind === 'catalog' ? term.metric.id : String(term.code);
}
const resolveObservation = (id: ObservationIdentifier, map?: VendorCodeMap) => ({ id: keyOf(resolve(id, map)) });

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
    expect(resolveObservation(privateSpo2).id).toBeUndefined();
    expect(resolveObservation(privateSpo2, { ACME_SAT: 'SPO2' })?.id).toBe('SPO2');
    expect(resolveObservation({ code: '147842', name: '', codingSystem: 'MDC' }, { '147842': 'PR' })?.id).toBe('PR');
    expect(resolveObservation({ code: 'x', name: 'y', codingSystem: '' }, { x: 'NOT_A_METRIC' }).id).toBeUndefined();
    expect(resolveObservation({ code: '__proto__', name: 'constructor', codingSystem: '' }, {}).id).toBeUndefined();
    // A vendor map may name an uncatalogued term by code or reference id.
    expect(resolveObservation({ code: '4711', name: 'PAPm', codingSystem: '99ACME' }, { PAPm: 'MDC_PRESS_BLD_ART_PULM_MEAN' }).id).toBe('150047');
    expect(resolveObservation({ code: '4711', name: '', codingSystem: '99ACME' }, { '4711': '150047' }).id).toBe('150047');
  });

  it('reads every family term as its metric, ranked, and keeps other MDC codes as uncatalogued terms', () => {
    const mdc = (code: number, name = '') => resolve({ code: String(code), name, codingSystem: 'MDC' });
    expect(mdc(150344)).toMatchObject({ kind: 'catalog', metric: { id: 'TEMP' }, code: 150344, rank: 13 }); // MDC_TEMP
    expect(mdc(150301)).toMatchObject({ kind: 'catalog', metric: { id: 'NIBP_SYS' }, rank: 1 }); // MDC_PRESS_CUFF_SYS
    expect(mdc(150488)).toMatchObject({ kind: 'catalog', metric: { id: 'PI' } }); // MDC_BLD_PERF_INDEX
    expect(mdc(151578)).toMatchObject({ kind: 'catalog', metric: { id: 'RR' } }); // MDC_TTHOR_RESP_RATE
    expect(mdc(149546)).toMatchObject({ kind: 'catalog', metric: { id: 'PR' }, rank: 4 }); // MDC_PULS_RATE_NON_INV
    expect(mdc(150037)).toMatchObject({ kind: 'catalog', metric: { id: 'ABP_SYS' } }); // MDC_PRESS_BLD_ART_ABP_SYS
    expect(mdc(147842, 'MDC_ECG_CARD_BEAT_RATE')).toMatchObject({ kind: 'catalog', metric: { id: 'HR' }, rank: 0 });
    // The code wins over a mismatched mnemonic (a vendor sends 149522^MDC_PULS_RATE).
    expect(mdc(149522, 'MDC_PULS_RATE')).toMatchObject({ kind: 'catalog', metric: { id: 'PR' }, code: 149522 });
    // Not vitals of the catalog: kept under their own codes.
    expect(mdc(150047)).toEqual({ kind: 'uncatalogued', code: 150047 }); // PAP mean
    expect(mdc(150388)).toEqual({ kind: 'uncatalogued', code: 150388 }); // skin temperature
    expect(mdc(151712)).toEqual({ kind: 'uncatalogued', code: 151712 }); // expired CO2, not end-tidal
    expect(mdc(147626)).toEqual({ kind: 'uncatalogued', code: 147626 }); // paced beat rate, not HR
    expect(resolve({ code: '', name: 'MDC_TEMP_SKIN', codingSystem: '' })).toEqual({ kind: 'uncatalogued', code: 150388 });
    expect(resolve({ code: '0', name: '', codingSystem: 'MDC' })).toBeUndefined();
    expect(resolve({ code: '4294967296', name: '', codingSystem: 'MDC' })).toBeUndefined();
  });
});
