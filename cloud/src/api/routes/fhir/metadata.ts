/** GET /v1/hospitals/:hospitalId/fhir/metadata: the CapabilityStatement of the hospital's
 * FHIR base. Without a token (FHIR clients read it first, to learn how to authenticate:
 * its rest.security), and the same for any hospital id, so it does not tell which exist. */
import { capabilityStatement } from '../../../fhir/capability-statement.js';
import type { RequestContext } from '../../context.js';
import type { PathParams } from '../../router.js';
import type { ReadRouteDeps } from '../read/deps.js';
import { fhirBase, sendFhir } from './fhir-route.js';

export function fhirMetadata(deps: ReadRouteDeps): (ctx: RequestContext, params: PathParams) => Promise<void> {
  return async (ctx, params) => {
    sendFhir(ctx, 200, capabilityStatement(fhirBase(ctx, params.hospitalId!), new Date(deps.clock.now())));
  };
}
