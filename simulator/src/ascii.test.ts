import { QualityFlag } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { createWard, deviceSerialNumber, toAsciiLine, type DeviceRecord } from './index.js';

const TIME = Date.UTC(2026, 10, 29, 8, 0, 1, 734);
const RECORD: DeviceRecord = {
  bedId: 'bed-01',
  deviceId: 'mon-bed-01',
  patientId: 'P0001',
  deviceTimeMs: TIME,
  values: { HR: 72, PR: 71, SPO2: 97, PI: 3.1, RR: 16, TEMP: 36.6, ETCO2: 38, NIBP_SYS: 120, NIBP_DIA: 80, NIBP_MEAN: 93 },
  flags: {},
};
const OFF = QualityFlag.SENSOR_OFF | QualityFlag.INVALID;
const SENSOR_OFF: DeviceRecord = {
  ...RECORD,
  values: { ...RECORD.values, SPO2: -999, PR: -999, PI: -999 },
  flags: { SPO2: OFF, PR: OFF, PI: OFF },
  probe: 'probe-off',
};

describe('ascii-kv', () => {
  it('writes SPO2, BPM (pulse rate), PI, RR, then HR, TEMP, ETCO2 when present', () => {
    expect(toAsciiLine(RECORD, 'ascii-kv')).toBe('SPO2=97 BPM=71 PI=3.10 RR=16 HR=72 TEMP=36.6 ETCO2=38\r\n');
    const { ETCO2: _e, TEMP: _t, ...fewer } = RECORD.values;
    expect(toAsciiLine({ ...RECORD, values: fewer }, 'ascii-kv')).toBe('SPO2=97 BPM=71 PI=3.10 RR=16 HR=72\r\n');
  });

  it('writes dashes and a status word when the sensor is off or unplugged', () => {
    expect(toAsciiLine(SENSOR_OFF, 'ascii-kv')).toBe('SPO2=-- BPM=-- PI=-- RR=16 HR=72 TEMP=36.6 ETCO2=38 SENSOR_OFF\r\n');
    expect(toAsciiLine({ ...SENSOR_OFF, probe: 'no-sensor' }, 'ascii-kv')).toMatch(/^SPO2=-- BPM=-- PI=-- .* NO_SENSOR\r\n$/);
  });

  it('writes plain invalid markers raw, and flags demo mode and low perfusion', () => {
    const marked = { ...RECORD, values: { ...RECORD.values, RR: -999 }, flags: { RR: QualityFlag.INVALID } };
    expect(toAsciiLine(marked, 'ascii-kv')).toBe('SPO2=97 BPM=71 PI=3.10 RR=-999 HR=72 TEMP=36.6 ETCO2=38\r\n');
    const demo = { ...RECORD, flags: Object.fromEntries(Object.keys(RECORD.values).map((m) => [m, QualityFlag.DEMO])) };
    expect(toAsciiLine(demo, 'ascii-kv')).toMatch(/ DEMO\r\n$/);
    expect(toAsciiLine({ ...RECORD, values: { ...RECORD.values, PI: 0.31 } }, 'ascii-kv')).toBe('SPO2=97 BPM=71 PI=0.31 RR=16 HR=72 TEMP=36.6 ETCO2=38 LOW_PERF\r\n');
  });
});

describe('ascii-ts (Radical-7 style)', () => {
  it('leads with the device-local time and serial number, zero-padded fields', () => {
    const sn = deviceSerialNumber('mon-bed-01');
    expect(sn).toMatch(/^\d{10}$/);
    expect(toAsciiLine(RECORD, 'ascii-ts')).toBe(`11/29/26 08:00:01 SN=${sn} SPO2=097% BPM=071 PI=03.10% ALARM=0000 EXC=000000\r\n`);
    expect(toAsciiLine(RECORD, 'ascii-ts', { utcOffsetMinutes: -300 })).toMatch(/^11\/29\/26 03:00:01 /);
    expect(toAsciiLine(RECORD, 'ascii-ts', { utcOffsetMinutes: 16 * 60 })).toMatch(/^11\/30\/26 00:00:01 /);
  });

  it('writes dashes in the field shape and the same status words', () => {
    expect(toAsciiLine(SENSOR_OFF, 'ascii-ts')).toMatch(/ SPO2=---% BPM=--- PI=--\.--% ALARM=0000 EXC=000000 SENSOR_OFF\r\n$/);
    const marked = { ...RECORD, values: { ...RECORD.values, SPO2: -999 }, flags: { SPO2: QualityFlag.INVALID } };
    expect(toAsciiLine(marked, 'ascii-ts')).toMatch(/ SPO2=-999% BPM=071 /);
    expect(toAsciiLine({ ...RECORD, values: { ...RECORD.values, PI: 12.5 } }, 'ascii-ts')).toMatch(/ PI=12\.50% /);
  });
});

describe('ascii lines from a simulated ward', () => {
  it('match the documented grammar for every record', () => {
    const ward = createWard({ beds: 50, seed: 2026, startMs: TIME });
    const kv = /^SPO2=(\d+|-999|--) BPM=(\d+|-999|--) PI=(\d+\.\d\d|-999|--) RR=(\d+|-999|--)( HR=(\d+|-999))?( TEMP=(\d+\.\d|-999))?( ETCO2=(\d+|-999))?( (SENSOR_OFF|NO_SENSOR|LOW_PERF|DEMO))?\r\n$/;
    const ts = /^\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d SN=\d{10} SPO2=(\d{3}|-999|---)% BPM=(\d{3}|-999|---) PI=(\d\d\.\d\d|-999|--\.--)% ALARM=0000 EXC=000000( (SENSOR_OFF|NO_SENSOR|LOW_PERF|DEMO))?\r\n$/;
    const statuses = new Set<string>();
    const bad: string[] = [];
    const schedule = ward.schedule(TIME, TIME + 6 * 3_600_000);
    const events = [...schedule.filter((e) => e.kind === 'sensor-off').slice(0, 4), ...schedule.filter((e) => e.kind === 'demo')];
    for (const e of events) {
      for (const r of ward.bedRecordsBetween(e.bedId, e.startMs - 2_000, e.startMs + 3_000)) {
        const a = toAsciiLine(r, 'ascii-kv');
        const b = toAsciiLine(r, 'ascii-ts');
        if (!kv.test(a)) bad.push(a);
        if (!ts.test(b)) bad.push(b);
        const word = a.trim().split(' ').pop()!;
        if (!word.includes('=')) statuses.add(word);
      }
    }
    expect(bad).toEqual([]);
    expect(statuses.has('DEMO')).toBe(true);
    expect([...statuses].some((s) => s === 'SENSOR_OFF' || s === 'NO_SENSOR')).toBe(true);
  });
});
