import { METRIC_IDS, METRICS, QualityFlag, isPossible, quantize, type MetricId } from '@wardlink/shared';
import { describe, expect, it } from 'vitest';
import { CLOCK_DRIFT_MAX_PPM, CLOCK_OFFSET_MAX_MS, JITTER_MAX_MS, SimulatorOptionError, UnknownBedError, createWard, type DeviceRecord } from './index.js';
import { atResolution } from './resolution.js';

const START = Date.UTC(2026, 10, 29, 8, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

function collect(gen: Iterable<DeviceRecord>): DeviceRecord[] {
  return [...gen];
}

function byDevice(records: DeviceRecord[]): Map<string, DeviceRecord[]> {
  const map = new Map<string, DeviceRecord[]>();
  for (const r of records) {
    const list = map.get(r.deviceId) ?? [];
    list.push(r);
    map.set(r.deviceId, list);
  }
  return map;
}

describe('createWard: identities and determinism', () => {
  it('names beds, devices and patients predictably', () => {
    const ward = createWard({ beds: 12, seed: 1, startMs: START });
    expect(ward.beds.map((b) => b.bedId)).toEqual(Array.from({ length: 12 }, (_, i) => `bed-${String(i + 1).padStart(2, '0')}`));
    expect(ward.beds[0]).toMatchObject({ bedId: 'bed-01', deviceId: 'mon-bed-01', patientId: 'P0001' });
    expect(ward.beds[11]).toMatchObject({ bedId: 'bed-12', deviceId: 'mon-bed-12', patientId: 'P0012' });
    expect(createWard({ beds: 120, seed: 1, startMs: START }).beds[4]!.bedId).toBe('bed-005');
  });

  it('gives identical output for one seed, whatever windows it is asked for in', () => {
    const a = createWard({ beds: 10, seed: 7, startMs: START });
    const b = createWard({ beds: 10, seed: 7, startMs: START });
    const whole = collect(a.recordsBetween(START, START + 20 * MIN));
    const split = [...collect(b.recordsBetween(START + 7 * MIN + 333, START + 20 * MIN)), ...collect(b.recordsBetween(START, START + 7 * MIN + 333))];
    split.sort((x, y) => x.deviceTimeMs - y.deviceTimeMs || x.bedId.localeCompare(y.bedId));
    expect(whole.length).toBeGreaterThan(10 * 20 * 60 * 0.9);
    expect(split).toEqual(whole);
    expect(b.schedule(START, START + 6 * HOUR)).toEqual(a.schedule(START, START + 6 * HOUR));
  });

  it('gives different output for a different seed', () => {
    const a = collect(createWard({ beds: 5, seed: 1, startMs: START }).recordsBetween(START, START + MIN));
    const b = collect(createWard({ beds: 5, seed: 2, startMs: START }).recordsBetween(START, START + MIN));
    expect(a.map((r) => r.values)).not.toEqual(b.map((r) => r.values));
    expect(a.map((r) => r.deviceTimeMs)).not.toEqual(b.map((r) => r.deviceTimeMs));
  });

  it('rejects bad options and unknown beds with typed errors', () => {
    expect(() => createWard({ beds: 0, seed: 1, startMs: START })).toThrow(SimulatorOptionError);
    expect(() => createWard({ beds: 2, seed: 1.5, startMs: START })).toThrow(/seed must be an integer/);
    expect(() => createWard({ beds: 2, seed: 1, startMs: START, nibpIntervalMs: 1500 })).toThrow(/nibpIntervalMs/);
    const ward = createWard({ beds: 2, seed: 1, startMs: START });
    try {
      ward.crossings('bed-99', 'HR', () => true, START, START + MIN);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UnknownBedError);
      expect((err as UnknownBedError).code).toBe('WL_SIM_UNKNOWN_BED');
    }
  });

  it('schedules nothing when episodes and artifacts are off', () => {
    const ward = createWard({ beds: 20, seed: 3, startMs: START, episodes: false, artifacts: false });
    expect(ward.schedule(START, START + 12 * HOUR)).toEqual([]);
  });
});

describe('recordsBetween: values, resolution, timing', () => {
  const ward = createWard({ beds: 50, seed: 5, startMs: START });
  const records = collect(ward.recordsBetween(START, START + 30 * MIN));

  it('emits about one record per bed per second, 5-20 metrics each, in time order', () => {
    expect(records.length).toBeGreaterThan(50 * 1800 * 0.9);
    const problems: string[] = [];
    for (let i = 1; i < records.length; i++) {
      if (records[i]!.deviceTimeMs < records[i - 1]!.deviceTimeMs) problems.push(`out of order at ${i}`);
    }
    for (const r of records) {
      const n = Object.keys(r.values).length;
      if (n < 5 || n > 20) problems.push(`${r.deviceId}@${r.deviceTimeMs}: ${n} metrics`);
      for (const m of ['HR', 'PR', 'SPO2', 'PI', 'RR', 'TEMP'] as const) if (r.values[m] === undefined) problems.push(`${r.deviceId}: no ${m}`);
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(ward.beds.some((b) => b.hasAbp)).toBe(true);
    expect(ward.beds.some((b) => !b.hasEtco2)).toBe(true);
  });

  it('reports every value at monitor resolution, raw markers only when flagged invalid', () => {
    let flagged = 0;
    const problems: string[] = [];
    for (const r of records) {
      for (const [m, v] of Object.entries(r.values) as Array<[MetricId, number]>) {
        const flags = r.flags[m] ?? 0;
        if ((flags & QualityFlag.INVALID) !== 0) {
          if (v !== -999) problems.push(`${m}=${v} flagged invalid`);
          flagged++;
        } else if (v !== quantize(METRICS[m], v) || !isPossible(METRICS[m], v)) {
          problems.push(`${m}=${v} off resolution or range`);
        }
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
    expect(flagged).toBeGreaterThan(0);
  });

  it('rounds exactly as the shared quantize does', () => {
    const differ: string[] = [];
    for (let i = 0; i < 50_000; i++) {
      const v = Math.sin(i) * 250 + (i % 7) / 3;
      for (const m of METRIC_IDS) if (!Object.is(atResolution(m, v), quantize(METRICS[m], v))) differ.push(`${m} ${v}`);
    }
    expect(differ.slice(0, 5)).toEqual([]);
  });

  it('keeps each device clock within offset, drift and jitter bounds, with real jitter', () => {
    for (const list of byDevice(records).values()) {
      const gaps: number[] = [];
      for (let i = 1; i < list.length; i++) {
        const gap = list[i]!.deviceTimeMs - list[i - 1]!.deviceTimeMs;
        if (gap < 1500) gaps.push(gap); // skip silent spans
      }
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1000 - 2 * JITTER_MAX_MS - 1);
      expect(Math.max(...gaps)).toBeLessThanOrEqual(1000 + 2 * JITTER_MAX_MS + 1);
      expect(Math.max(...gaps) - Math.min(...gaps)).toBeGreaterThan(20); // jitter of tens of ms
      const first = list[0]!.deviceTimeMs - START;
      expect(first).toBeGreaterThanOrEqual(-CLOCK_OFFSET_MAX_MS - JITTER_MAX_MS);
      expect(first).toBeLessThanOrEqual(1000 + CLOCK_OFFSET_MAX_MS + JITTER_MAX_MS);
    }
  });

  it('drifts each device clock by its own ppm', () => {
    const ppms: number[] = [];
    for (const bed of ward.beds.slice(0, 20)) {
      const a = collect(ward.bedRecordsBetween(bed.bedId, START + 10 * MIN, START + 11 * MIN));
      const b = collect(ward.bedRecordsBetween(bed.bedId, START + 130 * MIN, START + 131 * MIN));
      if (a.length < 30 || b.length < 30) continue; // a silent device
      // Each record's distance from the whole-second grid of the first one: jitter plus
      // accumulated drift (at most 40 ppm * 2 h = 288 ms, so rounding cannot wrap).
      const ref = a[0]!.deviceTimeMs;
      const resid = (r: DeviceRecord) => r.deviceTimeMs - ref - 1000 * Math.round((r.deviceTimeMs - ref) / 1000);
      const mean = (xs: DeviceRecord[]) => xs.reduce((s, r) => s + resid(r), 0) / xs.length;
      ppms.push(((mean(b) - mean(a)) / (b[0]!.deviceTimeMs - ref)) * 1e6);
    }
    expect(ppms.length).toBeGreaterThan(15);
    for (const ppm of ppms) expect(Math.abs(ppm)).toBeLessThanOrEqual(CLOCK_DRIFT_MAX_PPM + 2);
    expect(Math.max(...ppms) - Math.min(...ppms)).toBeGreaterThan(20);
  });

  it('measures NIBP every 15 minutes per bed, staggered, with a consistent mean', () => {
    const nibp = records.filter((r) => r.values.NIBP_SYS !== undefined);
    const perBed = byDevice(nibp);
    const minutes = new Set<number>();
    for (const list of perBed.values()) {
      for (let i = 1; i < list.length; i++) expect(Math.abs(list[i]!.deviceTimeMs - list[i - 1]!.deviceTimeMs - 900_000)).toBeLessThan(200);
      minutes.add(Math.floor((list[0]!.deviceTimeMs - START) / MIN));
    }
    expect(perBed.size).toBeGreaterThanOrEqual(48); // a silent device may miss its cycle
    expect(minutes.size).toBeGreaterThan(8); // not every cuff at once
    for (const r of nibp) {
      expect(r.values.NIBP_DIA).toBeDefined();
      expect(r.values.NIBP_MEAN).toBe(Math.round(r.values.NIBP_DIA! + (r.values.NIBP_SYS! - r.values.NIBP_DIA!) / 3));
    }
    for (const r of records.filter((x) => x.values.ABP_SYS !== undefined && !x.flags.ABP_SYS)) {
      expect(r.values.ABP_MEAN).toBe(Math.round(r.values.ABP_DIA! + (r.values.ABP_SYS! - r.values.ABP_DIA!) / 3));
    }
    const fast = collect(createWard({ beds: 3, seed: 5, startMs: START, nibpIntervalMs: 5 * MIN }).recordsBetween(START, START + 30 * MIN));
    expect(fast.filter((r) => r.values.NIBP_SYS !== undefined).length).toBeGreaterThanOrEqual(3 * 5);
  });

  it('keeps PR on HR outside artifacts', () => {
    const clean = records.filter((r) => Object.keys(r.flags).length === 0);
    const close = clean.filter((r) => Math.abs(r.values.PR! - r.values.HR!) <= 2).length;
    expect(close / clean.length).toBeGreaterThan(0.99);
  });
});

describe('readingsBetween', () => {
  it('flattens records into shared Readings with the gateway id and a small receive delay', () => {
    const ward = createWard({ beds: 4, seed: 9, startMs: START, gatewayId: 'gw-test' });
    const records = collect(ward.recordsBetween(START, START + 2 * MIN));
    const readings = ward.readingsBetween(START, START + 2 * MIN);
    expect(readings.length).toBe(records.reduce((n, r) => n + Object.keys(r.values).length, 0));
    for (const r of readings) {
      expect(r.gatewayId).toBe('gw-test');
      expect(r.receivedAtMs - r.deviceTimeMs).toBeGreaterThanOrEqual(5);
      expect(r.receivedAtMs - r.deviceTimeMs).toBeLessThanOrEqual(60);
    }
    const first = records[0]!;
    expect(readings[0]).toMatchObject({ deviceId: first.deviceId, bedId: first.bedId, patientId: first.patientId, metric: 'HR', value: first.values.HR, flags: 0 });
    expect(ward.readingsBetween(START, START + MIN, 25).every((r) => r.receivedAtMs === r.deviceTimeMs + 25)).toBe(true);
  });

  it('generates a 50-bed hour fast', () => {
    const ward = createWard({ beds: 50, seed: 1, startMs: START });
    const t0 = performance.now();
    let records = 0;
    let readings = 0;
    for (const r of ward.recordsBetween(START, START + HOUR)) {
      records++;
      readings += Object.keys(r.values).length;
    }
    const seconds = (performance.now() - t0) / 1000;
    expect(records).toBeGreaterThan(170_000);
    expect(readings).toBeGreaterThan(1_200_000);
    expect(seconds).toBeLessThan(10); // about 0.6 s on a laptop core
  });
});
