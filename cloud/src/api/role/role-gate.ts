/**
 * The router's check of an instance's role (service-role.ts), made once per request
 * after the route matched and before its handler runs: a refused batch's body is never
 * read or decoded. The routes of each role are named here, in one place: the ingest
 * role's two POSTs, the probes every role serves, and every other route (the read API,
 * streams, FHIR) is the read role's, so a route added later is gated by default.
 */
import type { RequestContext } from '../context.js';
import type { Handler } from '../router.js';
import { GATEWAY_STATUS_ROUTE } from '../routes/gateway-status.js';
import { servesRole, WrongRoleError, type RouteRole, type ServiceRole } from './service-role.js';

export const BATCH_ROUTE = '/v1/batches';
const INGEST_ROUTES: ReadonlySet<string> = new Set([BATCH_ROUTE, GATEWAY_STATUS_ROUTE]);
const EVERY_ROLE_ROUTES: ReadonlySet<string> = new Set(['/healthz', '/readyz', '/metrics']);

export function routeRoleOf(pattern: string): RouteRole | undefined {
  if (EVERY_ROLE_ROUTES.has(pattern)) return undefined;
  return INGEST_ROUTES.has(pattern) ? 'ingest' : 'read';
}

/** Throws 421 WL_API_WRONG_ROLE when this instance's role does not serve `pattern`. */
export function checkRole(role: ServiceRole, pattern: string, ctx: RequestContext): void {
  if (role === 'all') return;
  const routeRole = routeRoleOf(pattern);
  if (routeRole !== undefined && !servesRole(role, routeRole)) throw new WrongRoleError(role, routeRole, ctx.req.method ?? '?', ctx.path);
}

/** Stands for a route whose parts this instance does not run (an ingest instance has no
 * stream hub and no FHIR export worker), so it is answered 421 like the other read
 * routes rather than 404. Never called: checkRole refuses the request first. */
export const notServedHere: Handler = (ctx) => {
  throw new WrongRoleError('ingest', 'read', ctx.req.method ?? '?', ctx.path);
};
