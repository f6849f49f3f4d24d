import { METRICS, QualityFlag } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { createWard, deviceEui64, mllpFrame, toHl7Message, type DeviceRecord } from './index.js';

const TIME = Date.UTC(2026, 10, 29, 8, 0, 1, 234);
const RECORD: DeviceRecord = {
  bedId: 'bed-01',
  deviceId: 'mon-bed-01',
  patientId: 'P0001',
  deviceTimeMs: TIME,
  values: { HR: 72, PR: 71, SPO2: 97, PI: 3.1, RR: 16, TEMP: 36.6 },
  flags: {},
};

/** Field n of a segment, numbered as HL7 does (MSH-1 is the separator itself). */
function field(segment: string, n: number): string {
  const parts = segment.split('|');
  return (segment.startsWith('MSH|') ? ['MSH', '|', ...parts.slice(1)] : parts)[n] ?? '';
}

function segments(message: string, sep = '\r'): string[] {
  expect(message.endsWith(sep)).toBe(true);
  return message.slice(0, -sep.length).split(sep);
}

describe('toHl7Message (IHE PCD-01 ORU^R01)', () => {
  it('writes MSH, PID, PV1, OBR and the device row as specified', () => {
    const [msh, pid, pv1, obr, mds, ...rows] = segments(toHl7Message(RECORD, { controlId: 'MSG0001' }));
    expect(msh!.startsWith('MSH|^~\\&|')).toBe(true);
    expect(field(msh!, 2)).toBe('^~\\&');
    expect(field(msh!, 3)).toBe('WARDSIM');
    expect(field(msh!, 4)).toBe('HOSP');
    expect(field(msh!, 7)).toBe('20261129080001.234+0000');
    expect(field(msh!, 9)).toBe('ORU^R01^ORU_R01');
    expect(field(msh!, 10)).toBe('MSG0001');
    expect(field(msh!, 11)).toBe('P');
    expect(field(msh!, 12)).toBe('2.6');
    expect(field(msh!, 21).split('^')[0]).toBe('IHE_PCD_001');
    expect(field(pid!, 0)).toBe('PID');
    expect(field(pid!, 3)).toBe('P0001^^^HOSP^MR');
    expect(field(pv1!, 2)).toBe('I');
    expect(field(pv1!, 3)).toBe('WARD1^^bed-01');
    expect(field(obr!, 4)).toBe('182777000^monitoring of patient^SNOMED-CT');
    expect(field(obr!, 7)).toBe('20261129080001.234+0000');
    expect(field(mds!, 2)).toBe('');
    expect(field(mds!, 3)).toBe('69965^MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS^MDC');
    expect(field(mds!, 4)).toBe('1');
    expect(field(mds!, 5)).toBe('');
    expect(rows).toHaveLength(6);
  });

  it('writes one NM row per metric with MDC code, sub-id, value, unit, status, time and equipment', () => {
    const rows = segments(toHl7Message(RECORD, { controlId: 'c1' })).slice(5);
    const spo2 = rows.find((r) => field(r, 3).startsWith('150456^'))!;
    expect(spo2).toBe(
      `OBX|4|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|97|262688^MDC_DIM_PERCENT^MDC|||||R|||20261129080001.234+0000||||mon-bed-01^^${deviceEui64('mon-bed-01')}^EUI-64`,
    );
    expect(deviceEui64('mon-bed-01')).toMatch(/^[0-9A-F]{16}$/);
    for (const [i, row] of rows.entries()) {
      expect(field(row, 1)).toBe(String(i + 2));
      expect(field(row, 2)).toBe('NM');
      expect(field(row, 4)).toMatch(/^1\.\d+\.\d+\.\d+$/);
      expect(field(row, 11)).toBe('R');
      expect(field(row, 14)).toBe('20261129080001.234+0000');
      expect(field(row, 18)).toBe(`mon-bed-01^^${deviceEui64('mon-bed-01')}^EUI-64`);
      const code = Number(field(row, 3).split('^')[0]);
      const metric = Object.values(METRICS).find((m) => m.mdcCode === code)!;
      expect(field(row, 3)).toBe(`${metric.mdcCode}^${metric.mdcRefId}^MDC`);
      expect(field(row, 6)).toBe(`${metric.unitMdcCode}^${metric.unitMdcRefId}^MDC`);
      expect(Number(field(row, 5))).toBe(RECORD.values[metric.id]);
    }
    expect(field(rows.find((r) => field(r, 3).startsWith('150364^'))!, 5)).toBe('36.6');
    expect(field(rows.find((r) => field(r, 3).startsWith('150448^'))!, 5)).toBe('3.10');
  });

  it('sends invalid markers raw and flags demo data in OBX-8', () => {
    const marked: DeviceRecord = { ...RECORD, values: { ...RECORD.values, TEMP: -999 }, flags: { TEMP: QualityFlag.INVALID } };
    const temp = segments(toHl7Message(marked, { controlId: 'c' })).find((r) => field(r, 3).startsWith('150364^'))!;
    expect(field(temp, 5)).toBe('-999');
    expect(field(temp, 8)).toBe('');
    const demo: DeviceRecord = { ...RECORD, flags: Object.fromEntries(Object.keys(RECORD.values).map((m) => [m, QualityFlag.DEMO])) };
    const rows = segments(toHl7Message(demo, { controlId: 'c' })).slice(5);
    expect(rows.every((r) => field(r, 8) === 'DEMO')).toBe(true);
  });

  it('honours the UTC offset, separators, names and quirks', () => {
    const msg = toHl7Message(RECORD, { controlId: 'c', utcOffsetMinutes: -330, segmentSeparator: '\r\n', sendingApp: 'MON', facility: 'STMARY', ward: 'ICU2', quirks: true });
    const segs = segments(msg, '\r\n');
    expect(segs.every((s) => !s.includes('\r') && !s.includes('\n'))).toBe(true);
    expect(field(segs[0]!, 7)).toBe('20261129023001.234-0530');
    expect(field(segs[0]!, 3)).toBe('MON');
    expect(field(segs[1]!, 3)).toBe('P0001^^^STMARY^MR');
    expect(field(segs[2]!, 3)).toBe('ICU2^^bed-01');
    const setIds = segs.slice(4).map((s) => field(s, 1));
    expect(setIds).toContain('');
    expect(setIds.filter((s) => s !== '').length).toBeGreaterThan(1);
    expect(segments(toHl7Message(RECORD, { controlId: 'c', segmentSeparator: '\n' }), '\n')).toHaveLength(11);
  });

  it('frames a message in MLLP bytes', () => {
    const msg = toHl7Message(RECORD, { controlId: 'c' });
    const frame = mllpFrame(msg);
    expect(frame[0]).toBe(0x0b);
    expect([...frame.subarray(-2)]).toEqual([0x1c, 0x0d]);
    expect(frame.subarray(1, -2).toString('utf8')).toBe(msg);
    expect(frame.length).toBe(Buffer.byteLength(msg) + 3);
  });

  it('encodes simulated records of every metric a ward emits', () => {
    const ward = createWard({ beds: 10, seed: 4, startMs: TIME });
    let rows = 0;
    for (const r of ward.recordsBetween(TIME, TIME + 20 * 60_000)) {
      const segs = segments(toHl7Message(r, { controlId: 'x' }));
      expect(segs.length).toBe(5 + Object.keys(r.values).length);
      rows += segs.length - 5;
    }
    expect(rows).toBeGreaterThan(10 * 1200 * 6);
  });
});
