/**
 * Whatever bytes arrive, every parser either returns a well-formed record or throws a
 * typed ingest error: never a TypeError, never a reading that breaks the catalog rules.
 */
import { INGEST_ERROR_CODES, isIngestError, isMetricId, isMetricKey, isPossible, METRICS, QUALITY_FLAG_MASK, QualityFlag } from '@wardlink/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FormatContext, ParsedRecord } from './format.js';
import { deframeMllp, mllpFrame, parseOruR01 } from './hl7/index.js';
import { FORMATS } from './index.js';
import { parseMqttJson } from './mqtt-json.js';
import { join, PHILIPS_STYLE, QUIRKY_MONITOR, UNIT_VARIANTS } from './testing/pcd01-samples.js';

const ctx: FormatContext = { vendorMap: { '196674': 'SPO2', SAT2: 'SPO2' }, utcOffsetMinutes: 60, now: () => Date.UTC(2026, 10, 29) };
const codes = new Set<string>(INGEST_ERROR_CODES);

function assertWellFormed(record: ParsedRecord): void {
  for (const o of record.observations) {
    if (!isMetricId(o.metric)) {
      // An uncatalogued term: a well-formed code key, the value exact, a unit string.
      expect(isMetricKey(o.metric)).toBe(true);
      expect(Number.isFinite(o.value)).toBe(true);
      expect(typeof o.unit).toBe('string');
      continue;
    }
    const metric = METRICS[o.metric];
    expect(metric).toBeDefined();
    expect(Number.isFinite(o.value)).toBe(true);
    expect(o.flags & ~QUALITY_FLAG_MASK).toBe(0);
    if (!(o.flags & QualityFlag.INVALID)) expect(isPossible(metric, o.value)).toBe(true);
    expect(o.deviceTimeMs === null || Number.isFinite(o.deviceTimeMs)).toBe(true);
  }
  for (const r of record.rejects) expect(codes.has(r.code)).toBe(true);
  expect(record.deviceTimeMs === null || Number.isFinite(record.deviceTimeMs)).toBe(true);
}

/** Runs `fn`; passes if it returns a well-formed record or throws a typed ingest error. */
function survives(fn: () => ParsedRecord): void {
  let record: ParsedRecord;
  try {
    record = fn();
  } catch (err) {
    if (!isIngestError(err)) throw err;
    expect(codes.has(err.code)).toBe(true);
    return;
  }
  assertWellFormed(record);
}

const parsers: Array<[string, (input: string) => ParsedRecord]> = [
  ['hl7-mllp', (s) => FORMATS['hl7-mllp'].parse(s, ctx)],
  ['ascii-kv', (s) => FORMATS['ascii-kv'].parse(s, ctx)],
  ['ascii-ts', (s) => FORMATS['ascii-ts'].parse(s, ctx)],
  ['mqtt-json', (s) => parseMqttJson(s, ctx)],
];

const seeds = [join(PHILIPS_STYLE), join(QUIRKY_MONITOR, '\n'), join(UNIT_VARIANTS, '\r\n'), 'SPO2=097% BPM=072 PI=03.10% SENSOR_OFF', '11/29/26 08:00:01 SN=1 SPO2=097% BPM=072 PI=03.10% ALARM=0000 EXC=000000 DEMO', '{"ts":1795939200000,"readings":{"HR":72,"SPO2":97},"flags":{"SPO2":["demo"]}}'];
const tokens = ['|', '^', '~', '\\', '&', '\r', '\n', '=', '%', '-', '.', ' ', '9', '-999', 'MSH|^~\\&|', 'OBX|', '\\F\\', '\\X', '{', '}', '"', ':', ',', '[', 'SENSOR_OFF', '1e400', '__proto__', '\u0000', '\u000b', '\u001c'];

/** A seed with random edits: the inputs a noisy line or a buggy firmware produces. */
const mutated = fc
  .tuple(fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.constantFrom(...tokens)), { maxLength: 8 }))
  .map(([seed, edits]) => edits.reduce((s, [pos, del, tok]) => { const p = pos % (s.length + 1); return s.slice(0, p) + tok + s.slice(p + del); }, seed));

describe('every parser survives arbitrary input', () => {
  for (const [name, parse] of parsers) {
    it(`${name}: random strings`, () => {
      fc.assert(fc.property(fc.string({ maxLength: 300, unit: 'binary' }), (s) => survives(() => parse(s))), { numRuns: 400 });
    });

    it(`${name}: mutated valid inputs`, () => {
      fc.assert(fc.property(mutated, (s) => survives(() => parse(s))), { numRuns: 600 });
    });
  }

  it('hl7: random bytes through deframing', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => survives(() => parseOruR01(deframeMllp(Buffer.from(bytes)), ctx))), { numRuns: 400 });
  });

  it('hl7: every truncation of a framed message', () => {
    const frame = mllpFrame(join(QUIRKY_MONITOR));
    for (let i = 0; i <= frame.length; i++) survives(() => parseOruR01(deframeMllp(frame.subarray(0, i)), ctx));
  });

  it('mqtt-json: random bytes and random JSON values', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => survives(() => parseMqttJson(Buffer.from(bytes), ctx))), { numRuns: 300 });
    const doc = fc.record({ ts: fc.oneof(fc.integer(), fc.string(), fc.double(), fc.constant(1795939200000)), readings: fc.dictionary(fc.constantFrom('HR', 'SPO2', '150456', '__proto__', 'x', 'SAT2'), fc.jsonValue()), flags: fc.jsonValue(), demo: fc.jsonValue() }, { requiredKeys: [] });
    fc.assert(fc.property(doc, (d) => survives(() => parseMqttJson(JSON.stringify(d), ctx))), { numRuns: 500 });
  });
});
