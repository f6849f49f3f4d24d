/**
 * Reads one Observation by its id (GET Observation/{id}): the id decodes to its reading's
 * key, the key's millisecond is read through the same sources, grouping and mapping as a
 * search page (hot, detached or archived day alike), and the Observation whose id is the
 * one asked for is the answer, so it equals the resource a search returns. A blood
 * pressure's id names its family: the family's three metrics are read and grouped.
 */
import { PRESSURE_FAMILIES, pressureFamilyOf } from './codes.js';
import { fhirSources, type FhirSourceDeps } from './fhir-sources.js';
import type { FhirRow } from './fhir-row.js';
import type { FhirQuery } from './fhir-sql.js';
import { ObservationGrouper } from './grouping.js';
import { observationOf, type FhirObservation, type ObservationContext } from './observation.js';
import { decodeObservationId } from './observation-id.js';

/** A reading's metrics, or a blood pressure family's three. */
function metricsOf(metric: number): number[] {
  const family = PRESSURE_FAMILIES.find((f) => f.mdcCode === metric) ?? pressureFamilyOf(metric);
  return family === undefined ? [metric] : [family.sys, family.dia, family.mean];
}

/** The Observation of `id`, undefined when no stored reading has it; throws
 * FhirInvalidIdError for an id this server never gives out. */
export async function readObservation(deps: FhirSourceDeps, id: string, ctx: ObservationContext): Promise<FhirObservation | undefined> {
  const d = decodeObservationId(id);
  const t = d.kind === 'full' ? d.key.t : d.t;
  const metric = d.kind === 'full' ? d.key.metric : d.metric;
  // A hashed id names no patient: that millisecond is read hospital-wide (one UTC day).
  const q: FhirQuery = { hospitalId: ctx.hospitalId, metrics: metricsOf(metric), from: t, to: new Date(t.getTime() + 1) };
  if (d.kind === 'full') q.patientId = d.key.patientId;
  const plan = await fhirSources(deps, q);
  const rows: FhirRow[] = [];
  let failure: unknown;
  try {
    for (let batch = await plan.source.next(); batch.length > 0; batch = await plan.source.next()) rows.push(...batch);
    await plan.check();
  } catch (err) {
    failure = err;
    throw err;
  } finally {
    await plan.source.close(failure);
  }
  const grouper = new ObservationGrouper();
  const units = [...grouper.push(rows), ...grouper.flush()];
  return units.map((u) => observationOf(u, ctx)).find((o) => o.id === id);
}
