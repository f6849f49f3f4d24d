/** Observation ids: the reading's key, encoded reversibly in FHIR's id syntax (hashed
 * beyond 64 characters), and only ids the server gives out are accepted. */
import { describe, expect, it } from 'vitest';
import { decodeObservationId, encodeObservationId, type ObservationKey } from './observation-id.js';

const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
const key = (over: Partial<ObservationKey> = {}): ObservationKey => ({ t: new Date('2026-03-01T08:00:00.123Z'), metric: 147842, patientId: 'P1', gatewayId: 'h1-gw', deviceId: 'mon-1', ...over });
const code = (f: () => unknown) => {
  try {
    f();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return 'accepted';
};

describe('Observation ids', () => {
  it('decodes back to the reading’s key, in FHIR’s id syntax', () => {
    for (const k of [key(), key({ patientId: 'MRN-Ω-0042_x', deviceId: 'a/b c', metric: 150020 }), key({ t: new Date(0), metric: 0, patientId: '', gatewayId: '', deviceId: '' })]) {
      const id = encodeObservationId(k);
      expect(id).toMatch(FHIR_ID);
      expect(decodeObservationId(id)).toEqual({ kind: 'full', key: k });
    }
  });

  it('is stable and tells apart readings that differ in any part of the key', () => {
    const ids = [key(), key({ t: new Date(key().t.getTime() + 1) }), key({ metric: 147843 }), key({ patientId: 'P2' }), key({ gatewayId: 'h1-gx' }), key({ deviceId: 'mon-2' })].map(encodeObservationId);
    expect(new Set(ids).size).toBe(6);
    expect(encodeObservationId(key())).toBe(ids[0]);
    // The ids' split between fields cannot be shifted: ("ab","c") is not ("a","bc").
    expect(encodeObservationId(key({ patientId: 'ab', gatewayId: 'c' }))).not.toBe(encodeObservationId(key({ patientId: 'a', gatewayId: 'bc' })));
  });

  it('keeps long ids within 64 characters: time and metric, and a digest of the rest', () => {
    const long = key({ patientId: 'P'.repeat(200), gatewayId: '6f1c0b9e-3a57-4c1e-9d0b-2b8a7f6e5d4c' });
    const id = encodeObservationId(long);
    expect(id).toMatch(FHIR_ID);
    expect(decodeObservationId(id)).toEqual({ kind: 'hashed', t: long.t, metric: long.metric });
    expect(encodeObservationId({ ...long, deviceId: 'mon-2' })).not.toBe(id);
    // The longest key still written out in full: 34 bytes of ids.
    const edge = key({ patientId: 'p'.repeat(24), gatewayId: 'g'.repeat(5), deviceId: 'd'.repeat(5) });
    expect(encodeObservationId(edge).length).toBe(64);
    expect(decodeObservationId(encodeObservationId(edge)).kind).toBe('full');
  });

  it('refuses what it never gives out with WL_FHIR_INVALID_ID', () => {
    const id = encodeObservationId(key());
    expect(code(() => decodeObservationId(id))).toBe('accepted');
    for (const bad of ['', 'abc', 'x'.repeat(65), `${id}_`, id.slice(0, -1), `${id}AA`, 'A'.repeat(40), id.replace(/^./, 'D')]) {
      expect(code(() => decodeObservationId(bad)), bad).toBe('WL_FHIR_INVALID_ID');
    }
    // Base64's spare bits: another spelling of the same bytes is not the reading's id.
    const last = id.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-.';
    const twin = id.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(code(() => decodeObservationId(twin))).toBe('WL_FHIR_INVALID_ID');
  });
});
