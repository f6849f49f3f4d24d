import { QualityFlag, type MetricId } from '@wardlink/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { BLOCK_TICKS, createWard, type DeviceRecord, type GroundTruthEvent, type Ward } from './index.js';

const START = Date.UTC(2026, 10, 29, 8, 0, 0);
const SIX_HOURS = 6 * 3_600_000;
const END = START + SIX_HOURS;

/** Typical adult alarm limits: a patient outside every scheduled event stays inside them. */
const LIMITS: Array<[MetricId, (v: number) => boolean]> = [
  ['HR', (v) => v < 50 || v > 120],
  ['PR', (v) => v < 50 || v > 120],
  ['SPO2', (v) => v < 90],
  ['RR', (v) => v < 8 || v > 30],
  ['NIBP_SYS', (v) => v < 90 || v > 160],
  ['ABP_SYS', (v) => v < 90 || v > 160],
];

function recordsOf(ward: Ward, event: GroundTruthEvent, fromMs = event.startMs, toMs = event.endMs + 1): DeviceRecord[] {
  return [...ward.bedRecordsBetween(event.bedId, fromMs, toMs)];
}

describe('ground truth over 6 h of a 50-bed ward', () => {
  let ward: Ward;
  let schedule: GroundTruthEvent[];
  beforeAll(() => {
    ward = createWard({ beds: 50, seed: 2026, startMs: START });
    schedule = ward.schedule(START, END);
  });
  const ofKind = (kind: GroundTruthEvent['kind']) => schedule.filter((e) => e.kind === kind);

  it('keeps every patient within adult limits outside scheduled events', () => {
    const outside: string[] = [];
    let inside = 0;
    for (const bed of ward.beds) {
      const events = schedule.filter((e) => e.bedId === bed.bedId);
      for (const [metric, beyond] of LIMITS) {
        for (const c of ward.crossings(bed.bedId, metric, beyond, START, END)) {
          if (events.some((e) => e.startMs <= c.startMs && c.endMs <= e.endMs)) inside++;
          else outside.push(`${bed.bedId} ${metric} ${c.min}..${c.max} at ${c.startMs - START} ms`);
        }
      }
    }
    expect(outside).toEqual([]);
    expect(inside).toBeGreaterThan(50); // the episodes do cross the limits
  }, 60_000);

  it('schedules 0-2 deterioration episodes per bed per 6 h, of every kind, never overlapping', () => {
    const perBed = new Map<string, number>();
    for (const e of schedule) if (e.target !== undefined) perBed.set(e.bedId, (perBed.get(e.bedId) ?? 0) + 1);
    expect(Math.max(...perBed.values())).toBeLessThanOrEqual(2);
    for (const kind of ['desaturation', 'tachycardia', 'bradycardia', 'hypotension'] as const) expect(ofKind(kind).length).toBeGreaterThan(0);
    for (const kind of ['sensor-off', 'device-silent', 'motion', 'invalid-marker', 'demo'] as const) expect(ofKind(kind).length).toBeGreaterThan(0);
    for (const bed of ward.beds) {
      const events = schedule.filter((e) => e.bedId === bed.bedId);
      for (let i = 1; i < events.length; i++) expect(events[i]!.startMs).toBeGreaterThan(events[i - 1]!.endMs);
    }
  });

  it('holds each episode beyond its alarm threshold for the whole plateau', () => {
    const checks: Array<[GroundTruthEvent['kind'], MetricId, (v: number) => boolean]> = [
      ['desaturation', 'SPO2', (v) => v < 90],
      ['tachycardia', 'HR', (v) => v > 120],
      ['bradycardia', 'HR', (v) => v < 50],
    ];
    for (const [kind, metric, beyond] of checks) {
      for (const e of ofKind(kind)) {
        const runs = ward.crossings(e.bedId, metric, beyond, e.startMs, e.endMs + 1);
        const covering = runs.find((c) => c.startMs <= e.plateauStartMs! && c.endMs >= e.plateauEndMs!);
        expect(covering, `${e.id} plateau`).toBeDefined();
        expect(beyond(e.extreme!)).toBe(true);
        expect(e.extreme).toBe(kind === 'tachycardia' ? covering!.max : Math.min(...runs.map((c) => c.min)));
      }
    }
  });

  it('shows hypotension on the cuff (and the arterial line when there is one)', () => {
    for (const e of ofKind('hypotension')) {
      const cuff = recordsOf(ward, e, e.plateauStartMs!, e.plateauEndMs! + 1).filter((r) => r.values.NIBP_SYS !== undefined);
      expect(cuff.length, e.id).toBeGreaterThanOrEqual(1);
      for (const r of cuff) expect(r.values.NIBP_SYS).toBeLessThan(85);
      expect(e.extreme).toBeLessThan(85);
      if (ward.beds.find((b) => b.bedId === e.bedId)!.hasAbp) {
        const runs = ward.crossings(e.bedId, 'ABP_SYS', (v) => v < 85, e.startMs, e.endMs + 1);
        expect(runs.some((c) => c.startMs <= e.plateauStartMs! && c.endMs >= e.plateauEndMs!)).toBe(true);
      }
    }
  });

  it('flags sensor-off spans on SpO2, PR and PI with -999, and only those spans', () => {
    for (const e of ofKind('sensor-off')) {
      const during = recordsOf(ward, e);
      expect(during.length).toBeGreaterThan(0);
      for (const r of during) {
        for (const m of ['SPO2', 'PR', 'PI'] as const) {
          expect(r.values[m]).toBe(-999);
          expect(r.flags[m]).toBe(QualityFlag.SENSOR_OFF | QualityFlag.INVALID);
        }
        expect(r.probe).toBe(e.endMs - e.startMs > 600_000 ? 'no-sensor' : 'probe-off');
        expect(r.flags.HR).toBeUndefined();
      }
      const after = recordsOf(ward, e, e.endMs + 1, e.endMs + 5_000);
      expect(after.every((r) => r.flags.SPO2 === undefined && r.probe === undefined)).toBe(true);
    }
  });

  it('emits nothing from a silent device, and data again after it', () => {
    for (const e of ofKind('device-silent')) {
      expect(recordsOf(ward, e)).toEqual([]);
      if (e.endMs + 5_000 < END) expect(recordsOf(ward, e, e.endMs + 1, e.endMs + 5_000).length).toBeGreaterThan(0);
      expect(e.extreme).toBeNull();
    }
  });

  it('flags demo-mode data on every metric, and puts single invalid markers where scheduled', () => {
    for (const e of ofKind('demo')) {
      const during = recordsOf(ward, e);
      expect(during.length).toBeGreaterThan(500);
      for (const r of during) for (const m of Object.keys(r.values) as MetricId[]) expect(r.flags[m]).toBe(QualityFlag.DEMO);
    }
    for (const e of ofKind('invalid-marker')) {
      const [r] = recordsOf(ward, e);
      expect(r!.values[e.metric!]).toBe(-999);
      expect(r!.flags[e.metric!]).toBe(QualityFlag.INVALID);
      expect(e.extreme).toBe(-999);
    }
  });

  it('keeps motion artifacts brief (3-8 s), so a 10 s condition delay never fires on them', () => {
    for (const e of ofKind('motion')) {
      expect(e.endMs - e.startMs).toBeLessThanOrEqual(8_000);
      for (const c of ward.crossings(e.bedId, 'SPO2', (v) => v < 90, e.startMs, e.endMs + 1)) expect(c.endMs - c.startMs).toBeLessThan(10_000);
    }
  });

  it('answers the same schedule whatever the window', () => {
    const mid = START + 2 * 3_600_000 + 12_345;
    const parts = [...ward.schedule(START, mid), ...ward.schedule(mid, END)];
    const unique = new Map(parts.map((e) => [e.id, e]));
    expect([...unique.values()].sort((a, b) => a.startMs - b.startMs || a.bedId.localeCompare(b.bedId))).toEqual(schedule);
  });
});

describe('crossings', () => {
  const ward = createWard({ beds: 30, seed: 77, startMs: START });
  const schedule = ward.schedule(START, START + BLOCK_TICKS * 1000);

  it('ends a run at a flagged value and reports when', () => {
    const e = schedule.find((x) => x.kind === 'sensor-off' && x.startMs > START + 60_000)!;
    const runs = ward.crossings(e.bedId, 'SPO2', () => true, e.startMs - 30_000, e.endMs + 30_000);
    expect(runs.length).toBe(2);
    expect(runs[0]!.clearedAtMs).toBe(e.startMs);
    expect(runs[0]!.samples).toBeGreaterThanOrEqual(29);
    expect(runs[1]!.clearedAtMs).toBeNull();
  });

  it('bridges a silent device unless maxGapMs says otherwise', () => {
    const e = schedule.find((x) => x.kind === 'device-silent' && x.startMs > START + 60_000)!;
    const from = e.startMs - 10_000;
    const to = e.endMs + 10_000;
    expect(ward.crossings(e.bedId, 'HR', () => true, from, to)).toHaveLength(1);
    const split = ward.crossings(e.bedId, 'HR', () => true, from, to, { maxGapMs: 2_000 });
    expect(split).toHaveLength(2);
    expect(split[0]!.endMs).toBeLessThan(e.startMs);
    expect(split[1]!.startMs).toBeGreaterThan(e.endMs);
  });

  it('counts the sparse NIBP samples only', () => {
    const bed = ward.beds[0]!.bedId;
    const [run] = ward.crossings(bed, 'NIBP_SYS', () => true, START, START + 3_600_000);
    const cuffs = [...ward.bedRecordsBetween(bed, START, START + 3_600_000)].filter((r) => r.values.NIBP_SYS !== undefined && !r.flags.NIBP_SYS);
    expect(run!.samples).toBe(cuffs.length);
  });
});
