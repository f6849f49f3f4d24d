/** Observations cut from sorted readings: blood pressures kept whole across reads of the
 * source, and pages that end after a whole Observation with the key of its last reading. */
import { describe, expect, it } from 'vitest';
import { METRICS } from '@wardlink/shared';
import type { FhirRow } from './fhir-row.js';
import { ObservationGrouper } from './grouping.js';
import { PageReader } from './page-reader.js';

const row = (s: number, metric: number, device = 'mon-1'): FhirRow => ({ t: new Date(1_000_000 + s * 1000), value: 1, flags: 0, metric, patient_id: 'P1', gateway_id: 'gw', device_id: device, bed_id: 'b' });
const HR = METRICS.HR.mdcCode;
const SYS = METRICS.NIBP_SYS.mdcCode;
const DIA = METRICS.NIBP_DIA.mdcCode;
const MEAN = METRICS.NIBP_MEAN.mdcCode;
const ABP_SYS = METRICS.ABP_SYS.mdcCode;
const shape = (units: Array<{ rows: FhirRow[]; family?: unknown }>) => units.map((u) => `${u.family ? 'bp:' : ''}${u.rows.map((r) => r.metric).join('+')}`);

describe('ObservationGrouper', () => {
  it('keeps a blood pressure whole when the source hands it over in two reads', () => {
    const g = new ObservationGrouper();
    const first = g.push([row(0, HR), row(0, SYS)]);
    const second = g.push([row(0, DIA), row(0, MEAN), row(1, HR)]);
    expect(shape([...first, ...second, ...g.flush()])).toEqual([String(HR), `bp:${SYS}+${DIA}+${MEAN}`, String(HR)]);
  });

  it('never joins two devices, two times or two pressure families, and leaves a mean alone', () => {
    const g = new ObservationGrouper();
    const units = [...g.push([row(0, SYS), row(0, DIA, 'mon-2'), row(1, MEAN), row(2, SYS), row(2, ABP_SYS)]), ...g.flush()];
    expect(shape(units)).toEqual([`bp:${SYS}`, `bp:${DIA}`, String(MEAN), `bp:${SYS}`, `bp:${ABP_SYS}`]);
  });
});

describe('PageReader', () => {
  it('ends a page after whole Observations and names the key of its last reading', () => {
    const page = new PageReader(2);
    const units = page.push([row(0, HR), row(0, SYS), row(0, DIA), row(1, HR), row(2, HR)]);
    expect(shape(units)).toEqual([String(HR), `bp:${SYS}+${DIA}`]);
    expect(page.next).toEqual({ patientId: 'P1', t: new Date(1_000_000), gatewayId: 'gw', deviceId: 'mon-1', metric: DIA });
    expect(page.finish()).toEqual([]);
  });

  it('has no next page when the source ends with the page exactly full', () => {
    const page = new PageReader(2);
    const units = [...page.push([row(0, HR), row(1, HR)]), ...page.finish()];
    expect(units).toHaveLength(2);
    expect(page.next).toBeUndefined();
  });
});
