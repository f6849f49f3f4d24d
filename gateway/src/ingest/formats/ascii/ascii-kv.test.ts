import { QualityFlag } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { asciiKvFormat } from './ascii-kv.js';

const parse = (line: string, vendorMap?: Record<string, string>) => asciiKvFormat.parse(line, { vendorMap });
const values = (line: string) => parse(line).observations.map((o) => [o.metric, o.value, o.flags]);

describe('ascii-kv', () => {
  it('reads a plain line; BPM is the pulse rate; no device time', () => {
    const record = parse('SPO2=97 BPM=72 PI=3.10 RR=16\r');
    expect(record.observations.map((o) => [o.metric, o.value, o.flags, o.rawCode])).toEqual([
      ['SPO2', 97, 0, 'SPO2'],
      ['PR', 72, 0, 'BPM'],
      ['PI', 3.1, 0, 'PI'],
      ['RR', 16, 0, 'RR'],
    ]);
    expect(record.deviceTimeMs).toBeNull();
    expect(record.observations.every((o) => o.deviceTimeMs === null)).toBe(true);
    expect(record).toMatchObject({ rejects: [], unknownCodes: [], statusWords: [], recordFlags: 0 });
  });

  it('reads the optional HR, TEMP and ETCO2, zero padding and % suffixes', () => {
    expect(values('SPO2=097% BPM=072 PI=03.10% HR=071 TEMP=36.6 ETCO2=035')).toEqual([
      ['SPO2', 97, 0], ['PR', 72, 0], ['PI', 3.1, 0], ['HR', 71, 0], ['TEMP', 36.6, 0], ['ETCO2', 35, 0],
    ]);
  });

  it('skips absent values (--, ---, --.-, ---%) without a reject', () => {
    const record = parse('SPO2=--- BPM=-- PI=--.- RR=---% HR=60');
    expect(record.observations.map((o) => o.metric)).toEqual(['HR']);
    expect(record.rejects).toEqual([]);
  });

  it('flags the values a status word concerns, and keeps the word when no value came', () => {
    expect(values('SPO2=0 BPM=0 PI=0.00 RR=16 TEMP=36.8 SENSOR_OFF')).toEqual([
      ['SPO2', 0, QualityFlag.SENSOR_OFF], ['PR', 0, QualityFlag.SENSOR_OFF], ['PI', 0, QualityFlag.SENSOR_OFF],
      ['RR', 16, 0], ['TEMP', 36.8, 0],
    ]);
    const noSensor = parse('SPO2=--- BPM=--- PI=--.-- NO_SENSOR');
    expect(noSensor.observations).toEqual([]);
    expect(noSensor.recordFlags).toBe(QualityFlag.SENSOR_OFF);
    expect(noSensor.statusWords).toEqual(['NO_SENSOR']);
    expect(values('SPO2=98 BPM=80 DEMO')).toEqual([['SPO2', 98, QualityFlag.DEMO], ['PR', 80, QualityFlag.DEMO]]);
    const lowPerf = parse('SPO2=91 BPM=88 PI=0.20 LOW_PERF');
    expect(lowPerf.observations.every((o) => o.flags === 0)).toBe(true);
    expect(lowPerf.statusWords).toEqual(['LOW_PERF']);
  });

  it('flags invalid markers and impossible values INVALID with the raw value', () => {
    expect(values('SPO2=-999 BPM=-100 RR=400 PI=3.1')).toEqual([
      ['SPO2', -999, QualityFlag.INVALID], ['PR', -100, QualityFlag.INVALID], ['RR', 400, QualityFlag.INVALID], ['PI', 3.1, 0],
    ]);
  });

  it('rejects a non-numeric value with WL_INGEST_NOT_NUMERIC and keeps the rest', () => {
    const record = parse('SPO2=9x7 BPM=72');
    expect(record.rejects).toEqual([expect.objectContaining({ code: 'WL_INGEST_NOT_NUMERIC', rawCode: 'SPO2' })]);
    expect(record.observations.map((o) => o.metric)).toEqual(['PR']);
  });

  it('ignores the labels that are no measurement, counts unmapped ones, and maps through the vendor map', () => {
    const record = parse('SPO2=97 SN=0000012345 ALARM=0000 PVI=14 FOO=3 SAT2=95', { SAT2: 'SPO2' });
    // PVI is a measurement, but an ASCII label is no coding system: counted until mapped.
    expect(record.unknownCodes).toEqual(['PVI', 'FOO']);
    // Two values of one metric at one time cannot both be the metric: the second is refused, counted.
    expect(record.observations.map((o) => [o.metric, o.value, o.rawCode])).toEqual([['SPO2', 97, 'SPO2']]);
    expect(record.rejects).toEqual([expect.objectContaining({ code: 'WL_INGEST_DUPLICATE_TERM', rawCode: 'SAT2' })]);
    // A vendor map may name an uncatalogued MDC term, kept under its code.
    expect(parse('SPHB=13.2', { SPHB: '999999' }).observations).toEqual([expect.objectContaining({ metric: '999999', value: 13.2, unit: '' })]);
    // The vendor map wins over the format's defaults.
    expect(parse('BPM=60', { BPM: 'HR' }).observations[0]?.metric).toBe('HR');
  });

  it('refuses a garbled line as a whole with WL_INGEST_MALFORMED_LINE', () => {
    for (const line of ['\u00f0\u0012SP\u00ffO2', 'SPO2=97 bpm 72', 'hello', '=97 SPO2=97']) {
      expect(() => parse(line), line).toThrow(expect.objectContaining({ code: 'WL_INGEST_MALFORMED_LINE' }));
    }
  });

  it('returns an empty record for a blank line', () => {
    expect(parse('  \r')).toMatchObject({ observations: [], rejects: [], unknownCodes: [] });
  });
});
