import { QualityFlag } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { asciiTsFormat } from './ascii-ts.js';

const LINE = '11/29/26 08:00:01 SN=0000012345 SPO2=097% BPM=072 PI=03.10% ALARM=0000 EXC=000000';
const now = () => Date.UTC(2026, 10, 29, 7, 0, 5);

describe('ascii-ts', () => {
  it('reads the Radical-7 line in device local time, ignoring SN/ALARM/EXC', () => {
    const record = asciiTsFormat.parse(`${LINE}\r\n`, { utcOffsetMinutes: 60, now });
    const t = Date.UTC(2026, 10, 29, 7, 0, 1);
    expect(record.deviceTimeMs).toBe(t);
    expect(record.observations.map((o) => [o.metric, o.value, o.flags, o.deviceTimeMs])).toEqual([
      ['SPO2', 97, 0, t], ['PR', 72, 0, t], ['PI', 3.1, 0, t],
    ]);
    expect(record.unknownCodes).toEqual([]);
  });

  it('applies a trailing status word to every value', () => {
    for (const [word, flag] of [['SENSOR_OFF', QualityFlag.SENSOR_OFF], ['NO_SENSOR', QualityFlag.SENSOR_OFF], ['DEMO', QualityFlag.DEMO], ['LOW_PERF', 0]] as const) {
      const record = asciiTsFormat.parse(`${LINE} ${word}`, { now });
      expect(record.observations.map((o) => o.flags)).toEqual([flag, flag, flag]);
      expect(record.statusWords).toEqual([word]);
    }
  });

  it('ignores SPCO and PVI unless the vendor map names them', () => {
    expect(asciiTsFormat.parse(`${LINE} SPCO=01.2 PVI=14`, { now }).observations).toHaveLength(3);
    const mapped = asciiTsFormat.parse('11/29/26 08:00:01 SPO2=97 PVI=14', { now, vendorMap: { PVI: 'PI' } });
    expect(mapped.observations.map((o) => [o.metric, o.value])).toEqual([['SPO2', 97], ['PI', 14]]);
  });

  it('picks the century nearest to now for the two-digit year', () => {
    const record = asciiTsFormat.parse('12/31/99 23:59:59 SPO2=97', { now: () => Date.UTC(2001, 0, 1) });
    expect(record.deviceTimeMs).toBe(Date.UTC(1999, 11, 31, 23, 59, 59));
  });

  it('refuses impossible dates with WL_INGEST_BAD_TIMESTAMP and other lines as malformed', () => {
    for (const line of ['02/30/26 08:00:01 SPO2=97', '13/01/26 08:00:01 SPO2=97', '11/29/26 24:00:01 SPO2=97', '11/29/26 08:60:01 SPO2=97']) {
      expect(() => asciiTsFormat.parse(line, { now }), line).toThrow(expect.objectContaining({ code: 'WL_INGEST_BAD_TIMESTAMP' }));
    }
    for (const line of ['SPO2=97 BPM=72', '2026-11-29 08:00:01 SPO2=97', '11/29/26 08:00:01', '11/29/26 08:00:01SPO2=97']) {
      expect(() => asciiTsFormat.parse(line, { now }), line).toThrow(expect.objectContaining({ code: 'WL_INGEST_MALFORMED_LINE' }));
    }
  });
});
