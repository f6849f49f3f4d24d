/**
 * GET /v1/hospitals/:hospitalId/fhir/Observation/:id: one Observation, the resource a
 * search answers for it (its fullUrl). 400 WL_FHIR_INVALID_ID for an id this server never
 * gives out, 404 WL_FHIR_NOT_FOUND for a reading not stored (or not of this hospital),
 * 410 / 503 as the search for a purged day or an archive out of reach.
 */
import { FhirNotFoundError } from '../../../fhir/fhir-errors.js';
import { readObservation } from '../../../fhir/observation-reader.js';
import type { ReadRouteDeps } from '../read/deps.js';
import { metricUnitsOf } from '../read/metric-units.js';
import { sendFhir, type FhirHandler } from './fhir-route.js';

export function observationRead(deps: ReadRouteDeps): FhirHandler {
  return async (ctx, params) => {
    const hospitalId = params.hospitalId!;
    const id = params.id!;
    ctx.fields.observationId = id.slice(0, 64);
    const units = await metricUnitsOf(deps.pool, deps.clock).allOf(hospitalId);
    const observation = await readObservation(deps, id, { hospitalId, units });
    if (observation === undefined) throw new FhirNotFoundError(`Observation/${id}`);
    sendFhir(ctx, 200, observation);
  };
}
