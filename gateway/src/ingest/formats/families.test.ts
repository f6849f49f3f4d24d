/**
 * settleFamilies on its own: a record naming each metric once is left exactly as it is (the
 * common case, which takes a shortcut since issue 18), and the shortcut does not hide a
 * family pair, a repeated term or a second channel, in a short record or a long one.
 */
import { METRIC_IDS, resolveTerm, type ResolvedTerm } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { settleFamilies } from './families.js';
import { emptyRecord, type ParsedObservation, type ParsedRecord } from './format.js';
import { buildObservation, isReject } from './observation.js';

const TS = Date.UTC(2026, 11, 6, 8, 0, 0);

function term(code: string): ResolvedTerm {
  const t = resolveTerm({ code, name: code });
  if (!t) throw new Error(`no term ${code}`);
  return t;
}

function obs(code: string, raw: number, extra: Partial<ParsedObservation> = {}): ParsedObservation {
  const o = buildObservation({ term: term(code), raw, deviceTimeMs: TS, rawCode: code }, {});
  if (isReject(o)) throw new Error(o.message);
  return { ...o, ...extra };
}

function record(observations: ParsedObservation[]): ParsedRecord {
  const r = emptyRecord(TS);
  r.observations = observations;
  return r;
}

describe('settleFamilies', () => {
  it('leaves a record that names each metric once as it is', () => {
    const observations = [obs('HR', 72), obs('SPO2', 97), obs('150047', 18), obs('TEMP', 36.6)];
    const r = record([...observations]);
    settleFamilies(r);
    expect(r.observations).toEqual(observations);
    expect(r.rejects).toEqual([]);
  });

  it('keeps the better ranked term of a family as the metric and the other under its own code', () => {
    // MDC_PULS_RATE_NON_INV (the cuff's pulse rate, rank 4) beside the oximeter's MDC_PULS_OXIM_PULS_RATE.
    const r = record([obs('149546', 71), obs('HR', 72), obs('PR', 70)]);
    settleFamilies(r);
    expect(r.observations.map((o) => [o.metric, o.value])).toEqual([['149546', 71], ['HR', 72], ['PR', 70]]);
    expect(r.rejects).toEqual([]);
  });

  it('keeps a second channel as an instance and refuses a repeat with nothing to tell it apart', () => {
    const r = record([obs('TEMP', 36.6, { channel: '1.26.1.1' }), obs('TEMP', 37.1, { channel: '1.26.1.2' }), obs('HR', 72), obs('HR', 73)]);
    settleFamilies(r);
    expect(r.observations.map((o) => [o.metric, o.value, o.instance])).toEqual([['TEMP', 36.6, undefined], ['TEMP', 37.1, '1.26.1.2'], ['HR', 72, undefined]]);
    expect(r.rejects).toEqual([expect.objectContaining({ code: 'WL_INGEST_DUPLICATE_TERM', rawCode: 'HR' })]);
  });

  it('finds a repeat in a long record too', () => {
    const many = METRIC_IDS.map((id) => obs(id, 1));
    const uncatalogued = Array.from({ length: 24 }, (_, i) => obs(String(150_500 + i), i));
    const r = record([...many, ...uncatalogued, obs('HR', 2)]);
    expect(r.observations.length).toBeGreaterThan(32);
    settleFamilies(r);
    expect(r.observations).toHaveLength(many.length + uncatalogued.length);
    expect(r.rejects).toEqual([expect.objectContaining({ code: 'WL_INGEST_DUPLICATE_TERM', rawCode: 'HR' })]);
  });
});
