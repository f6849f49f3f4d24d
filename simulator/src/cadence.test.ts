import { describe, expect, it } from 'vitest';
import { DROPOUT, ICU_NUMERICS_CADENCE, SimulatorOptionError, createWard, type DeviceRecord } from './index.js';

const START = Date.UTC(2026, 10, 29, 8, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

function byDevice(records: Iterable<DeviceRecord>): Map<string, DeviceRecord[]> {
  const map = new Map<string, DeviceRecord[]>();
  for (const r of records) map.set(r.deviceId, [...(map.get(r.deviceId) ?? []), r]);
  return map;
}

describe('the ICU numerics cadence (one record about every 5 s, jittered, intermittent metrics)', () => {
  const ward = createWard({ beds: 20, seed: 3, startMs: START, ...ICU_NUMERICS_CADENCE });
  const records = [...ward.recordsBetween(START, START + HOUR)];
  const devices = byDevice(records);

  it('sends one record about every 5 s per device, at irregular, jittered intervals', () => {
    const gaps: number[] = [];
    for (const list of devices.values()) for (let i = 1; i < list.length; i++) gaps.push(list[i]!.deviceTimeMs - list[i - 1]!.deviceTimeMs);
    // Silent devices leave long gaps; the ordinary ones are 3..7 s (a cycle's record is
    // one tick early or late at times), give or take the jitter.
    const ordinary = gaps.filter((g) => g < 8_000);
    expect(ordinary.length).toBeGreaterThan(gaps.length * 0.95);
    const mean = ordinary.reduce((a, b) => a + b, 0) / ordinary.length;
    expect(mean).toBeGreaterThan(4_900);
    expect(mean).toBeLessThan(5_100);
    expect(Math.min(...ordinary)).toBeGreaterThanOrEqual(3_000 - 2 * ICU_NUMERICS_CADENCE.jitterMaxMs - 100);
    expect(Math.max(...ordinary)).toBeLessThanOrEqual(7_000 + 2 * ICU_NUMERICS_CADENCE.jitterMaxMs + 100);
    // Irregular: every one of 4, 5 and 6 s (to the nearest second) occurs often.
    for (const s of [4, 5, 6]) expect(ordinary.filter((g) => Math.round(g / 1000) === s).length).toBeGreaterThan(ordinary.length * 0.08);
    // Jittered: the gaps are not whole seconds, and spread over hundreds of ms.
    const offSecond = ordinary.map((g) => Math.abs(g - Math.round(g / 1000) * 1000));
    expect(Math.max(...offSecond)).toBeGreaterThan(200);
    expect(offSecond.filter((d) => d === 0).length).toBeLessThan(ordinary.length * 0.05);
  });

  it('leaves metrics out of some records, at about the documented rates, never a flagged value', () => {
    let withHr = 0;
    let withTemp = 0;
    let full = 0;
    for (const r of records) {
      if (r.values.HR !== undefined) withHr++;
      if (r.values.TEMP !== undefined) withTemp++;
      if (['HR', 'PR', 'SPO2', 'PI', 'RR', 'TEMP'].every((m) => m in r.values)) full++;
    }
    const n = records.length;
    expect(n).toBeGreaterThan(20 * 720 * 0.9);
    expect(1 - withTemp / n).toBeGreaterThan(DROPOUT.TEMP! - 0.05);
    expect(1 - withTemp / n).toBeLessThan(DROPOUT.TEMP! + 0.05);
    expect(withHr / n).toBeGreaterThan(0.97);
    expect(full / n).toBeLessThan(0.7);
    // Sensor-off spans still show as flagged SpO2 values: artifacts are not dropped.
    const flagged = records.filter((r) => r.flags.SPO2 !== undefined);
    const sensorOff = ward.schedule(START, START + HOUR).filter((e) => e.kind === 'sensor-off' && e.endMs - e.startMs > 10_000);
    if (sensorOff.length > 0) expect(flagged.length).toBeGreaterThan(0);
  });

  it('still takes every NIBP cuff cycle, though the record cadence misses most due ticks', () => {
    for (const list of devices.values()) {
      const cuffs = list.filter((r) => r.values.NIBP_SYS !== undefined);
      // 15 min cycles in an hour: 4, or 3 when the device was silent at a cycle.
      expect(cuffs.length).toBeGreaterThanOrEqual(3);
      expect(cuffs.length).toBeLessThanOrEqual(5);
    }
  });

  it('is the same whatever windows it is asked for in', () => {
    const again = createWard({ beds: 20, seed: 3, startMs: START, ...ICU_NUMERICS_CADENCE });
    const split = [...again.recordsBetween(START + 17 * MIN + 123, START + HOUR), ...again.recordsBetween(START, START + 17 * MIN + 123)];
    split.sort((x, y) => x.deviceTimeMs - y.deviceTimeMs || x.bedId.localeCompare(y.bedId));
    expect(split).toEqual(records);
  });

  it('keeps the default cadence when none is asked for, and checks its options', () => {
    const lab = byDevice(createWard({ beds: 2, seed: 3, startMs: START }).recordsBetween(START, START + MIN));
    for (const list of lab.values()) expect(list.length).toBeGreaterThanOrEqual(59);
    expect(() => createWard({ beds: 2, seed: 1, startMs: START, recordPeriodMs: 1500 })).toThrow(SimulatorOptionError);
    expect(() => createWard({ beds: 2, seed: 1, startMs: START, jitterMaxMs: 600 })).toThrow(/jitterMaxMs/);
  });
});
