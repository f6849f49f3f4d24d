/** HospitalLatest's remembered dashboard: whatever rows land and wherever `since` moves
 * (forward, back, onto a row's very time), the answer equals one built afresh from the same
 * rows; between changes a ward's reads share one array. */
import { describe, expect, it } from 'vitest';
import type { CacheRow } from './cache-queries.js';
import { HospitalLatest } from './hospital-latest.js';

const T0 = Date.UTC(2026, 2, 2, 8, 0, 0, 0);

function row(o: { gw?: string; bed: string; metric: number; t: number; tMsExtra?: number; value?: number; flags?: number; patient: string; device?: string; ward?: string | null; name?: string | null }): CacheRow {
  return {
    gateway_id: o.gw ?? 'gw-1',
    bed_id: o.bed,
    metric: o.metric,
    t: new Date(T0 + o.t),
    // t is the stored time truncated to the ms, t_ms rounded (cache-queries.ts): they may differ by 1.
    t_ms: String(T0 + o.t + (o.tMsExtra ?? 0)),
    value: o.value ?? 60,
    flags: o.flags ?? 0,
    patient_id: o.patient,
    device_id: o.device ?? 'mon',
    ward_id: o.ward === undefined ? 'icu' : o.ward,
    display_name: o.name === undefined ? `Name of ${o.patient}` : o.name,
  };
}

/** The answer of a HospitalLatest that never answered before: nothing remembered. */
function fresh(batches: readonly CacheRow[][], sinceMs: number) {
  const data = new HospitalLatest();
  for (const b of batches) data.apply(b);
  return data.dashboard(new Date(T0 + sinceMs));
}

describe('HospitalLatest.dashboard', () => {
  it('gives the same array between changes while the same rows are in, and a new one when they are not', () => {
    const data = new HospitalLatest();
    // Rows at 100 and 200 ms; an excluded one (for since > 50) at 50.
    data.apply([row({ bed: 'b1', metric: 1, t: 100, patient: 'P1' }), row({ bed: 'b2', metric: 1, t: 200, patient: 'P2' }), row({ bed: 'b3', metric: 1, t: 50, patient: 'P3' })]);
    const at = (ms: number) => data.dashboard(new Date(T0 + ms));
    const first = at(80);
    expect(first.map((b) => b.bedId)).toEqual(['b1', 'b2']);
    expect(at(100)).toBe(first); // forward up to the oldest row in
    expect(at(51)).toBe(first); // back down to just past the newest row out
    expect(at(51)).toBe(first);
    const wider = at(50); // the row at 50 comes in
    expect(wider).not.toBe(first);
    expect(wider.map((b) => b.bedId)).toEqual(['b1', 'b2', 'b3']);
    const narrower = at(101); // the row at 100 goes out
    expect(narrower.map((b) => b.bedId)).toEqual(['b2']);
    expect(at(150)).toBe(narrower);
    // A re-read of a row as it is changes nothing; a changed value does.
    data.apply([row({ bed: 'b2', metric: 1, t: 200, patient: 'P2' })]);
    expect(at(150)).toBe(narrower);
    data.apply([row({ bed: 'b2', metric: 1, t: 200, value: 61, patient: 'P2' })]);
    const changed = at(150);
    expect(changed).not.toBe(narrower);
    expect(changed[0]!.vitals).toEqual([[1, T0 + 200, 61, 0]]);
    // An older row than the stored one is not applied: nothing changed.
    data.apply([row({ bed: 'b2', metric: 1, t: 10, value: 1, patient: 'P9' })]);
    expect(at(150)).toBe(changed);
  });

  it('equals a fresh build for random rows and since values, forward and back', () => {
    let seed = 4242;
    const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) % n;
    for (let round = 0; round < 40; round++) {
      const data = new HospitalLatest();
      const batches: CacheRow[][] = [];
      let sinceMs = next(60);
      let hits = 0;
      for (let step = 0; step < 120; step++) {
        if (next(4) === 0) {
          // A batch: new and older times (older ones lose), re-reads of a row as it is,
          // patients moving beds, discharges, wards gone, renames, equal times.
          const batch: CacheRow[] = [];
          for (let i = 0, n = 1 + next(6); i < n; i++) {
            const patients = ['P1', 'P2', 'P3', 'P4', ''];
            batch.push(
              row({
                gw: `gw-${next(2)}`,
                bed: `bed-${next(4)}`,
                metric: [4, 1, 3, 2][next(4)]!,
                t: next(80),
                value: next(3),
                flags: next(2),
                patient: patients[next(patients.length)]!,
                ward: next(8) === 0 ? null : ['icu', 'ward-b'][next(2)]!,
                name: next(6) === 0 ? null : ['Ann', 'Bo'][next(2)]!,
              }),
            );
          }
          if (batch.length > 1 && next(3) === 0) batch.push(batch[0]!); // the same row twice
          data.apply(batch);
          batches.push(batch);
        }
        // `since` mostly creeps forward as a clock does, sometimes jumps either way.
        sinceMs = next(3) === 0 ? next(90) - 5 : sinceMs + next(3);
        const before = data.dashboard(new Date(T0 + sinceMs - 1));
        const got = data.dashboard(new Date(T0 + sinceMs));
        if (got === before) hits++;
        expect(got, `round ${round} step ${step} since ${sinceMs}`).toEqual(fresh(batches, sinceMs));
      }
      expect(hits).toBeGreaterThan(0); // the remembered answer was used, not only rebuilt
    }
  });

  it('sees a row re-read at the same time with any one field changed: a rename, a moved patient, a ward', () => {
    const base = { bed: 'b1', metric: 1, t: 100, patient: 'P1', name: 'Ann' } as const;
    const changes: Array<Partial<Parameters<typeof row>[0]>> = [{ value: 70 }, { flags: 4 }, { patient: 'P2' }, { patient: '' }, { ward: 'ward-b' }, { ward: null }, { name: 'Renamed' }, { name: null }];
    for (const change of changes) {
      const data = new HospitalLatest();
      data.apply([row(base)]);
      const before = data.dashboard(new Date(T0));
      data.apply([row({ ...base, ...change })]);
      const after = data.dashboard(new Date(T0));
      expect(after, JSON.stringify(change)).not.toBe(before);
      expect(after, JSON.stringify(change)).toEqual(fresh([[row({ ...base, ...change })]], 0));
    }
  });

  it('sees a row re-read at the same time from another device, or with its rounded ms one higher', () => {
    const base = { bed: 'b1', metric: 1, t: 100, patient: 'P1' } as const;
    const data = new HospitalLatest();
    data.apply([row(base)]);
    const before = data.dashboard(new Date(T0));
    data.apply([row({ ...base, device: 'mon-2' })]);
    expect(data.latestOf('P1')[0]!.deviceId).toBe('mon-2');
    data.apply([row({ ...base, device: 'mon-2', tMsExtra: 1 })]);
    const after = data.dashboard(new Date(T0));
    expect(after).not.toBe(before);
    expect(after[0]!.vitals[0]![1]).toBe(T0 + 101);
  });

  it('hands out beds that cannot be changed: one answer is shared by every read', () => {
    const data = new HospitalLatest();
    data.apply([row({ bed: 'b1', metric: 1, t: 100, patient: 'P1' })]);
    const beds = data.dashboard(new Date(T0)) as unknown as Array<{ displayName: string | null; vitals: unknown[] }>;
    expect(() => beds.push(beds[0]!)).toThrow(TypeError);
    expect(() => (beds[0]!.displayName = 'changed')).toThrow(TypeError);
    expect(() => beds[0]!.vitals.push([2, 0, 0, 0])).toThrow(TypeError);
    expect(data.dashboard(new Date(T0))[0]!.displayName).toBe('Name of P1');
  });
});
