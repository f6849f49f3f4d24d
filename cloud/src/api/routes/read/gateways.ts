/** GET /v1/hospitals/:hospitalId/gateways: the hospital's gateways with their latest status
 * and state (cloud/src/fleet/view.ts), for reader tokens of that hospital. */
import { loadFleet } from '../../../fleet/view.js';
import { SILENT_AFTER_S, BEHIND_AFTER_S, SKEWED_ABOVE_S } from '../../../fleet/thresholds.js';
import type { ReadRouteDeps } from './deps.js';
import type { ReadHandler } from './read-route.js';

export function hospitalGateways(deps: ReadRouteDeps): ReadHandler {
  return async (ctx, params) => {
    const hospitalId = params.hospitalId!;
    const nowMs = deps.clock.now();
    const gateways = await loadFleet(deps.pool, { hospitalId, nowMs });
    ctx.fields.rows = gateways.length;
    ctx.sendJson(200, {
      hospitalId,
      at: new Date(nowMs).toISOString(),
      thresholds: { silentAfterS: SILENT_AFTER_S, behindAfterS: BEHIND_AFTER_S, skewedAboveS: SKEWED_ABOVE_S },
      gateways: gateways.map(({ hospitalId: _h, ...g }) => g),
      traceId: ctx.trace.traceId,
    });
  };
}
