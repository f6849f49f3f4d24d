/**
 * What one `serve` instance answers (config server.role): `all` (the default: every
 * route), `ingest` (the gateways' batch and status POSTs) or `read` (the read API, the SSE
 * streams and FHIR). Health, readiness and metrics are served by every role.
 *
 * Why: one Node process decodes and COPYs every batch on the same event loop that answers
 * reads, so a read waits behind a batch (issue 17). Read instances beside ingest instances
 * on the same database keep reads off that loop; a read instance's latest-vitals cache
 * and streams are fed by PostgreSQL's LISTEN/NOTIFY, which every instance receives
 * whichever instance committed the batch.
 *
 * A request for the other role's routes is 421 WL_API_WRONG_ROLE (Misdirected Request:
 * this server cannot produce the answer, another can). A gateway treats it as "retry
 * later" and keeps every reading buffered, so a load balancer rule sending one batch to a
 * read instance loses nothing.
 */
import { ApiError } from '@wardlink/shared';
import type { ServiceRole } from '../../config/rules.js';

export { SERVICE_ROLES, type ServiceRole } from '../../config/rules.js';

/** Which role serves a route: the batch and gateway-status POSTs are ingest's, the
 * read API, streams and FHIR read's. */
export type RouteRole = 'ingest' | 'read';

export function servesRole(role: ServiceRole, routeRole: RouteRole): boolean {
  return role === 'all' || role === routeRole;
}

export class WrongRoleError extends ApiError {
  constructor(
    readonly role: ServiceRole,
    readonly routeRole: RouteRole,
    method: string,
    path: string,
  ) {
    super(
      'WL_API_WRONG_ROLE',
      421,
      `this instance runs with server.role=${role} and does not serve ${method} ${path}; send it to an instance whose server.role is ${routeRole} or all (docs/cloud-api.md, "Instance roles")`,
      { role, routeRole, method, path },
    );
  }
}
