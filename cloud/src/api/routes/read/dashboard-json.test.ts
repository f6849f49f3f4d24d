/** The cached dashboard written as text (dashboard-json.ts) is byte for byte the JSON of
 * the view object it replaced, for every kind of value a bed can hold: catalogued and
 * uncatalogued metrics (with and without a registered unit), unknown flag bits, names
 * that need escaping, a missing name, a NaN value; and the text remembered between two
 * changes of the rows is the text written afresh, wherever `since` moves. */
import { describe, expect, it } from 'vitest';
import { METRICS } from '@wardlink/shared';
import { HospitalLatest } from '../../../latest-cache/hospital-latest.js';
import type { CacheRow } from '../../../latest-cache/cache-queries.js';
import { useTestDatabase } from '../../../testing/pg.js';
import { cachedDashboard } from './dashboard.js';
import { dashboardJson } from './dashboard-json.js';
import { metricUnitsOf } from './metric-units.js';

const db = useTestDatabase();
const PAP = 150047; // uncatalogued, registered in mmHg below
const UNREGISTERED = 188_000; // uncatalogued, no unit known

function row(bed: string, metric: number, t: number, value: number, flags: number, patient: string, name: string | null): CacheRow {
  return { gateway_id: 'gw-1', bed_id: bed, metric, t: new Date(t), t_ms: String(t), value, flags, patient_id: patient, device_id: 'mon', ward_id: 'icu "north"', display_name: name };
}

describe('dashboardJson', () => {
  it('writes exactly JSON.stringify of the view with its trace id', async () => {
    await db.pool.query(`INSERT INTO metric_units (hospital_id, metric, ucum, first_gateway_id) VALUES ('h-json', ${PAP}, 'mm[Hg]', 'gw-1')`);
    const t = Date.UTC(2026, 2, 2, 8, 0, 0, 123);
    const data = new HospitalLatest();
    data.apply([
      row('bed-2', METRICS.SPO2.mdcCode, t, 97.5, 0b11, 'P2', 'Zoë "Z" \\ Ünal\n'),
      row('bed-2', METRICS.HR.mdcCode, t - 1_000, 72, 0, 'P2', 'Zoë "Z" \\ Ünal\n'),
      row('bed-2', PAP, t, 24, 0x4000, 'P2', 'Zoë "Z" \\ Ünal\n'),
      row('bed-1', UNREGISTERED, t, Number.NaN, 0, 'P1', null),
      row('bed-1', METRICS.HR.mdcCode, t, -0, 1, 'P1', null),
    ]);
    const since = new Date(t - 300_000);
    const { rows: _rows, ...view } = await cachedDashboard(db.pool, data, 'h-json', since);
    const units = await metricUnitsOf(db.pool).unitsOf('h-json', [PAP, UNREGISTERED]);
    const text = dashboardJson('h-json', since, data.dashboard(since), units, 'trace-1');
    expect(text).toBe(JSON.stringify({ ...view, traceId: 'trace-1' }));
    expect(JSON.parse(text).patients).toHaveLength(2);
    // Twice: the memoized fragments give the same text.
    expect(dashboardJson('h-json', since, data.dashboard(since), units, 'trace-1')).toBe(text);
  });

  it('remembers nothing stale: random rows, since forward and back, a patient moving beds, other units', async () => {
    await db.pool.query(`INSERT INTO metric_units (hospital_id, metric, ucum, first_gateway_id) VALUES ('h-json-2', ${PAP}, 'mm[Hg]', 'gw-1')`);
    const registered = await metricUnitsOf(db.pool).unitsOf('h-json-2', [PAP]);
    expect(registered.get(PAP)).toBe('mm[Hg]');
    const otherUnits: ReadonlyMap<number, string> = new Map([[PAP, 'kPa']]);
    const t = Date.UTC(2026, 2, 2, 8, 0, 59, 990); // minutes turn between the rows' times
    let seed = 99;
    const next = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 16) % n;
    const codes = [METRICS.HR.mdcCode, METRICS.SPO2.mdcCode, PAP, UNREGISTERED];
    const values = [72, -0, Number.NaN, 97.25, 1e21, -3.5e-7];
    const names = ['Ann', 'Zoë "Z" \\ Ünal\n', null];
    const data = new HospitalLatest();
    const applied: CacheRow[][] = [];
    let sinceMs = t - 40;
    let reused = 0;
    for (let step = 0; step < 300; step++) {
      if (next(5) === 0) {
        const batch: CacheRow[] = [];
        for (let i = 0, n = 1 + next(4); i < n; i++) {
          const patient = ['P1', 'P2', 'P3', ''][next(4)]!; // the same patient in another bed: moved
          batch.push(row(`bed-${next(4)}`, codes[next(codes.length)]!, t + next(60) - 20, values[next(values.length)]!, [0, 1, 0b11, 0x4000, 0x4001][next(5)]!, patient, names[next(names.length)]!));
        }
        data.apply(batch);
        applied.push(batch);
      }
      sinceMs = next(4) === 0 ? t + next(70) - 30 : sinceMs + next(3);
      const since = new Date(sinceMs);
      const units = next(3) === 0 ? otherUnits : registered;
      const fresh = new HospitalLatest();
      for (const b of applied) fresh.apply(b);
      const beds = data.dashboard(since);
      const copy = structuredClone(beds);
      if (beds === data.dashboard(new Date(sinceMs - 1))) reused++;
      const text = dashboardJson('h-json-2', since, beds, units, `trace-${step}`);
      expect(text, `step ${step}`).toBe(dashboardJson('h-json-2', since, fresh.dashboard(since), units, `trace-${step}`));
      if (units === registered) {
        const { rows: _rows, ...view } = await cachedDashboard(db.pool, fresh, 'h-json-2', since);
        expect(text, `step ${step}`).toBe(JSON.stringify({ ...view, traceId: `trace-${step}` }));
      }
      await cachedDashboard(db.pool, data, 'h-json-2', since);
      expect(beds, 'the shared beds are left as they were').toEqual(copy);
    }
    expect(reused).toBeGreaterThan(50); // the remembered beds (and text) were used
  });
});
