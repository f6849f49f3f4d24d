import { QualityFlag, type IngestErrorCode } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { parseMqttJson } from './mqtt-json.js';

const TS = Date.UTC(2026, 10, 29, 7, 0, 1, 250);
const json = (doc: unknown) => JSON.stringify(doc);
const throwsCode = (payload: string | Buffer, code: IngestErrorCode, opts = {}) =>
  expect(() => parseMqttJson(payload, {}, opts), String(payload).slice(0, 60)).toThrow(expect.objectContaining({ code }));

describe('parseMqttJson', () => {
  it('reads short ids, MDC numeric codes, reference ids and vendor codes', () => {
    const payload = json({ ts: TS, readings: { HR: 72, '150456': 97, MDC_RESP_RATE: 16, ACME_T: 36.62 } });
    const record = parseMqttJson(Buffer.from(payload), { vendorMap: { ACME_T: 'TEMP' } });
    expect(record.deviceTimeMs).toBe(TS);
    expect(record.observations.map((o) => [o.metric, o.value, o.flags, o.rawCode, o.deviceTimeMs])).toEqual([
      ['SPO2', 97, 0, '150456', TS], // integer-like keys come first in JS objects
      ['HR', 72, 0, 'HR', TS],
      ['RR', 16, 0, 'MDC_RESP_RATE', TS],
      ['TEMP', 36.6, 0, 'ACME_T', TS],
    ]);
    expect(record).toMatchObject({ rejects: [], unknownCodes: [], recordFlags: 0 });
  });

  it('reads ISO-8601 times with Z, offsets, fractions, or the device offset', () => {
    const at = (ts: string, utcOffsetMinutes?: number) => parseMqttJson(json({ ts, readings: { HR: 60 } }), { utcOffsetMinutes }).deviceTimeMs;
    expect(at('2026-11-29T07:00:01.250Z')).toBe(TS);
    expect(at('2026-11-29T08:00:01.25+01:00')).toBe(TS);
    expect(at('2026-11-29T02:00:01.250-05:00')).toBe(TS);
    expect(at('2026-11-29T08:00:01.250', 60)).toBe(TS);
  });

  it('applies flags per reading and demo to all, and marks the record', () => {
    const record = parseMqttJson(json({ ts: TS, readings: { SPO2: 0, HR: 70, RR: 12 }, flags: { SPO2: ['sensor-off'], RR: ['invalid'] }, demo: true }), {});
    expect(record.observations.map((o) => [o.metric, o.flags])).toEqual([
      ['SPO2', QualityFlag.SENSOR_OFF | QualityFlag.DEMO],
      ['HR', QualityFlag.DEMO],
      ['RR', QualityFlag.INVALID | QualityFlag.DEMO],
    ]);
    expect(record.recordFlags).toBe(QualityFlag.SENSOR_OFF | QualityFlag.DEMO);
    expect(record.statusWords).toEqual(['demo', 'sensor-off']);
  });

  it('flags invalid markers and impossible values INVALID with the raw value', () => {
    const record = parseMqttJson(json({ ts: TS, readings: { HR: -999, SPO2: 130 } }), {});
    expect(record.observations.map((o) => [o.metric, o.value, o.flags])).toEqual([['HR', -999, QualityFlag.INVALID], ['SPO2', 130, QualityFlag.INVALID]]);
  });

  it('rejects each non-number reading with WL_INGEST_NOT_NUMERIC and keeps the others', () => {
    const record = parseMqttJson('{"ts":' + TS + ',"readings":{"HR":"72","SPO2":null,"RR":{"v":1},"PI":[1],"TEMP":true,"ETCO2":1e400,"PR":70}}', {});
    expect(record.rejects.map((r) => [r.code, r.rawCode])).toEqual([
      ['WL_INGEST_NOT_NUMERIC', 'HR'], ['WL_INGEST_NOT_NUMERIC', 'SPO2'], ['WL_INGEST_NOT_NUMERIC', 'RR'],
      ['WL_INGEST_NOT_NUMERIC', 'PI'], ['WL_INGEST_NOT_NUMERIC', 'TEMP'], ['WL_INGEST_NOT_NUMERIC', 'ETCO2'],
    ]);
    expect(record.observations.map((o) => o.metric)).toEqual(['PR']);
  });

  it('counts unknown keys, including prototype-pollution keys, without polluting anything', () => {
    const payload = '{"ts":' + TS + ',"readings":{"__proto__":{"polluted":1},"constructor":5,"toString":1,"999999":3,"HR":60}}';
    const record = parseMqttJson(payload, { vendorMap: {} });
    expect(record.unknownCodes).toEqual(['__proto__', 'constructor', 'toString']);
    // An MDC code outside the catalog is kept as an uncatalogued term.
    expect(record.observations.map((o) => o.metric)).toEqual(['999999', 'HR']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    throwsCode('{"ts":' + TS + ',"readings":{"HR":1},"__proto__":{"x":1}}', 'WL_INGEST_BAD_PAYLOAD');
    throwsCode('{"ts":' + TS + ',"readings":{"HR":1},"flags":{"__proto__":["demo"]}}', 'WL_INGEST_BAD_PAYLOAD');
  });

  it('refuses an oversized payload before parsing it', () => {
    throwsCode(Buffer.alloc(20_000, 0x20), 'WL_INGEST_PAYLOAD_TOO_LARGE');
    throwsCode(json({ ts: TS, readings: { HR: 60 } }), 'WL_INGEST_PAYLOAD_TOO_LARGE', { maxBytes: 10 });
    throwsCode('"' + 'é'.repeat(9000) + '"', 'WL_INGEST_PAYLOAD_TOO_LARGE');
  });

  it('refuses anything that is not the documented shape with WL_INGEST_BAD_PAYLOAD', () => {
    const readings = { HR: 60 };
    for (const bad of [
      'not json', '', '[]', 'null', '42', '"text"', Buffer.from([0xff, 0xfe, 0x7b]),
      json({ readings }), json({ ts: TS }), json({ ts: TS, readings: [] }), json({ ts: TS, readings: {} }), json({ ts: TS, readings: null }),
      json({ ts: TS, readings, extra: 1 }), json({ ts: TS, readings, demo: 'yes' }), json({ ts: TS, readings, flags: [] }),
      json({ ts: TS, readings, flags: { HR: ['broken'] } }), json({ ts: TS, readings, flags: { HR: 'demo' } }), json({ ts: TS, readings, flags: { SPO2: ['demo'] } }),
      json({ ts: TS, readings: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`K${i}`, i])) }),
      '['.repeat(5000),
    ]) {
      throwsCode(bad, 'WL_INGEST_BAD_PAYLOAD');
    }
  });

  it('refuses times that are not an instant with WL_INGEST_BAD_TIMESTAMP', () => {
    for (const ts of [true, null, 1.5, Math.floor(TS / 1000), TS * 1000, -1, '2026-02-30T08:00:00Z', '2026-11-29 08:00:00Z', '2026-11-29T08:00:00+15:00', 'yesterday', {}]) {
      throwsCode(json({ ts, readings: { HR: 60 } }), 'WL_INGEST_BAD_TIMESTAMP');
    }
  });
});
