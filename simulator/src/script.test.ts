import { describe, expect, it } from 'vitest';
import { SimulatorOptionError, createWard, type ScriptedEvent } from './index.js';

const START = Date.UTC(2026, 10, 29, 8, 0, 0);
const SCRIPT: ScriptedEvent[] = [
  { bedId: 'bed-03', kind: 'desaturation', atS: 8, rampInS: 10, plateauS: 40, rampOutS: 10, target: 84 },
  { bedId: 'bed-07', kind: 'device-silent', atS: 20, durationS: 25 },
];

describe('createWard: scripted episodes', () => {
  it('puts a desaturation on the bed at the second asked, below 90 % for the whole plateau', () => {
    const ward = createWard({ beds: 10, seed: 1, startMs: START, script: SCRIPT });
    const desat = ward.schedule(START, START + 120_000).find((e) => e.bedId === 'bed-03');
    expect(desat).toMatchObject({ kind: 'desaturation', metric: 'SPO2', target: 84, id: 'bed-03:desaturation:8' });
    const runs = ward.crossings('bed-03', 'SPO2', (v) => v < 90, START, START + 120_000);
    const covering = runs.find((c) => c.startMs <= desat!.plateauStartMs! && c.endMs >= desat!.plateauEndMs!);
    expect(covering).toBeDefined();
    expect(covering!.endMs - covering!.startMs).toBeGreaterThanOrEqual(35_000); // longer than any alarm delay
    // Before and after the episode, the patient is back within limits.
    expect([...ward.bedRecordsBetween('bed-03', START, START + 8_000)].every((r) => r.values.SPO2! >= 90)).toBe(true);
  });

  it('silences the monitor for the span asked, and only that one', () => {
    const ward = createWard({ beds: 10, seed: 1, startMs: START, script: SCRIPT });
    const bed7 = [...ward.bedRecordsBetween('bed-07', START, START + 60_000)].map((r) => r.deviceTimeMs - START);
    expect(bed7.some((t) => t > 21_000 && t < 44_000)).toBe(false);
    expect(bed7.filter((t) => t < 20_000).length).toBeGreaterThanOrEqual(18);
    expect(bed7.filter((t) => t > 46_000).length).toBeGreaterThanOrEqual(12);
    expect(ward.schedule(START, START + 60_000).filter((e) => e.bedId === 'bed-07').map((e) => e.kind)).toEqual(['device-silent']);
    expect([...ward.bedRecordsBetween('bed-06', START, START + 60_000)].length).toBeGreaterThanOrEqual(58);
  });

  it('is deterministic, and leaves other beds as the seed made them', () => {
    const a = createWard({ beds: 10, seed: 4, startMs: START, script: SCRIPT });
    const b = createWard({ beds: 10, seed: 4, startMs: START, script: SCRIPT });
    const plain = createWard({ beds: 10, seed: 4, startMs: START });
    expect([...a.recordsBetween(START, START + 90_000)]).toEqual([...b.recordsBetween(START, START + 90_000)]);
    expect([...a.bedRecordsBetween('bed-05', START, START + 3_600_000)]).toEqual([...plain.bedRecordsBetween('bed-05', START, START + 3_600_000)]);
  });

  it('drops seeded events that would touch a scripted one', () => {
    const plain = createWard({ beds: 10, seed: 2, startMs: START });
    const seeded = plain.schedule(START, START + 6 * 3_600_000).find((e) => e.kind === 'desaturation' || e.kind === 'device-silent')!;
    const at = Math.round((seeded.startMs - START) / 1000);
    const ward = createWard({ beds: 10, seed: 2, startMs: START, script: [{ bedId: seeded.bedId, kind: 'tachycardia', atS: at }] });
    const onBed = ward.schedule(seeded.startMs - 60_000, seeded.endMs + 60_000).filter((e) => e.bedId === seeded.bedId);
    expect(onBed.map((e) => e.kind)).toEqual(['tachycardia']);
  });

  it('refuses a bed it does not have, overlapping events and fractional seconds', () => {
    const bad: ScriptedEvent[][] = [
      [{ bedId: 'bed-99', kind: 'desaturation', atS: 5 }],
      [{ bedId: 'bed-01', kind: 'desaturation', atS: 5 }, { bedId: 'bed-01', kind: 'device-silent', atS: 20 }],
      [{ bedId: 'bed-01', kind: 'device-silent', atS: 1.5 }],
    ];
    for (const script of bad) expect(() => createWard({ beds: 10, seed: 1, startMs: START, script })).toThrow(SimulatorOptionError);
  });
});
