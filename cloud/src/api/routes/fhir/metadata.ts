/** GET /v1/hospitals/:hospitalId/fhir/metadata: the CapabilityStatement of the hospital's
 * FHIR base (same reader-token rule as every FHIR route). */
import { capabilityStatement } from '../../../fhir/capability-statement.js';
import type { ReadRouteDeps } from '../read/deps.js';
import { fhirBase, sendFhir, type FhirHandler } from './fhir-route.js';

export function fhirMetadata(deps: ReadRouteDeps): FhirHandler {
  return async (ctx, params) => {
    sendFhir(ctx, 200, capabilityStatement(fhirBase(ctx, params.hospitalId!), new Date(deps.clock.now())));
  };
}
