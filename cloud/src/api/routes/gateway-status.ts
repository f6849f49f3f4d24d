/**
 * POST /v1/gateways/status: a gateway's status document (cloud/src/fleet/status-doc.ts),
 * stored as its latest (gateway_status). Authenticated by the gateway's upload token and
 * scoped to its hospital. Separate from POST /v1/batches, so a bad or slow status can
 * never fail or delay a batch: it is small (STATUS_MAX_BYTES), takes no admission slot,
 * and is deferred (503) whenever batches are waiting for a database connection.
 * The clock skew is computed here: the gateway's sentAtMs minus this instance's clock at
 * receipt (request transit makes it read slightly low, by the one-way latency).
 */
import type pg from 'pg';
import { ApiError, ShuttingDownError, type Clock } from '@wardlink/shared';
import { FleetStatusDeferredError, FleetStatusGatewayMismatchError, FleetStatusTooLargeError } from '../../fleet/errors.js';
import { parseStatusDoc, STATUS_MAX_BYTES } from '../../fleet/status-doc.js';
import { saveStatus } from '../../fleet/store.js';
import type { CloudMetrics } from '../../observability/metrics.js';
import type { GatewayAuthenticator } from '../auth/authenticator.js';
import { ClientAbortedError, readBody } from '../body.js';
import type { RequestContext } from '../context.js';

export const GATEWAY_STATUS_ROUTE = '/v1/gateways/status';

export interface GatewayStatusRouteDeps {
  pool: pg.Pool;
  metrics: CloudMetrics;
  authenticator: GatewayAuthenticator;
  clock: Clock;
  isShuttingDown: () => boolean;
}

export async function handleGatewayStatus(ctx: RequestContext, deps: GatewayStatusRouteDeps): Promise<void> {
  const receivedAtMs = deps.clock.now();
  try {
    if (deps.isShuttingDown()) throw new ShuttingDownError(2);
    const gateway = await deps.authenticator.authenticate(ctx.req.headers.authorization);
    ctx.fields.gatewayId = gateway.gatewayId;
    ctx.fields.hospitalId = gateway.hospitalId;
    const body = await readStatusBody(ctx);
    const doc = parseStatusDoc(body);
    if (doc.gatewayId !== gateway.gatewayId) throw new FleetStatusGatewayMismatchError(gateway.gatewayId, doc.gatewayId);
    if (deps.pool.waitingCount > 0) throw new FleetStatusDeferredError(30);
    await saveStatus(deps.pool, gateway, doc, receivedAtMs);
    deps.metrics.fleet.statusRequests.inc({ outcome: 'stored' });
    ctx.sendJson(200, { stored: true, gatewayId: gateway.gatewayId, clockSkewMs: doc.sentAtMs - receivedAtMs, traceId: ctx.trace.traceId });
  } catch (err) {
    if (err instanceof ClientAbortedError) {
      deps.metrics.fleet.statusRequests.inc({ outcome: 'refused' });
      return;
    }
    const answer = ctx.sendError(err, ctx.req.complete ? {} : { connection: 'close' });
    deps.metrics.fleet.statusRequests.inc({ outcome: answer.status >= 500 ? 'error' : 'refused' });
    deps.metrics.fleet.statusErrors.inc({ code: answer.code });
  }
}

/** The body, at most STATUS_MAX_BYTES (a declared Content-Length over it is refused unread). */
async function readStatusBody(ctx: RequestContext): Promise<Buffer> {
  try {
    return await readBody(ctx.req, STATUS_MAX_BYTES);
  } catch (err) {
    throw err instanceof ApiError && err.code === 'WL_API_BODY_TOO_LARGE' ? new FleetStatusTooLargeError(STATUS_MAX_BYTES) : err;
  }
}
