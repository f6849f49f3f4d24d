/** The cached dashboard written as text (dashboard-json.ts) is byte for byte the JSON of
 * the view object it replaced, for every kind of value a bed can hold: catalogued and
 * uncatalogued metrics (with and without a registered unit), unknown flag bits, names
 * that need escaping, a missing name, a NaN value. */
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
});
