/** GET /v1/hospitals/:hospitalId/patients/:patientId/latest: the patient's newest value of
 * each metric, from the latest_vitals cache (one index probe, see storage/queries.ts). */
import { LATEST_FOR_PATIENT_SQL } from '../../../storage/queries.js';
import { toDatabaseError } from '../../../storage/db-errors.js';
import type { ReadRouteDeps } from './deps.js';
import type { ReadHandler } from './read-route.js';
import { metricUnitsOf } from './metric-units.js';
import { flagNames, metricView } from './vital-view.js';

export interface LatestRow {
  metric: number;
  t: Date;
  value: number;
  flags: number;
  gateway_id: string;
  bed_id: string;
  device_id: string;
}

export function latestForPatient(deps: ReadRouteDeps): ReadHandler {
  return async (ctx, params) => {
    const hospitalId = params.hospitalId!;
    const patientId = params.patientId!;
    ctx.fields.patientId = patientId;
    const res = await deps.pool.query<LatestRow>(LATEST_FOR_PATIENT_SQL, [hospitalId, patientId]).catch((err: unknown) => {
      throw toDatabaseError(err);
    });
    ctx.fields.rows = res.rowCount;
    const units = await metricUnitsOf(deps.pool, deps.clock).unitsOf(hospitalId, res.rows.map((r) => r.metric));
    ctx.sendJson(200, {
      hospitalId,
      patientId,
      vitals: res.rows.map((r) => latestReadingView(r, units)),
      traceId: ctx.trace.traceId,
    });
  };
}

/** How a latest_vitals row is shown; the SSE stream's `vitals` events use it too. */
export function latestReadingView(r: LatestRow, units?: ReadonlyMap<number, string>) {
  return {
    metric: metricView(r.metric, units),
    t: r.t.toISOString(),
    value: r.value,
    flags: flagNames(r.flags),
    gatewayId: r.gateway_id,
    bedId: r.bed_id,
    deviceId: r.device_id,
  };
}
