/**
 * GET /v1/hospitals/:hospitalId/stream: Server-Sent Events of the hospital's latest
 * vitals. Authorized, logged and counted like every read route (readRoute: 401/403 before
 * anything else); the access-log line is written when the stream closes, and the
 * duration metric measures the time to the snapshot, not the stream's life.
 */
import type { Handler } from '../../router.js';
import type { ReadRouteDeps } from '../read/deps.js';
import { readRoute } from '../read/read-route.js';
import { bearerToken, hashToken } from '../../auth/tokens.js';
import type { StreamHub } from './stream-hub.js';

export const STREAM_ROUTE = '/v1/hospitals/:hospitalId/stream';

export function streamRoute(deps: ReadRouteDeps, hub: StreamHub): Handler {
  return readRoute(STREAM_ROUTE, deps, async (ctx, params) => {
    const res = ctx.res;
    // A stream is idle for up to a keep-alive interval; no socket timeout may cut it.
    res.socket?.setNoDelay(true);
    res.socket?.setTimeout(0);
    // The 200 goes out only once the snapshot was read, so a database failure is still a
    // proper 503 with Retry-After (and the stream bound a 503 WL_API_TOO_MANY_STREAMS).
    // The token it was opened with: checked again every few seconds, so a revocation closes it.
    const tokenHash = hashToken(bearerToken(ctx.req.headers.authorization));
    await hub.attach(
      params.hospitalId!,
      res,
      () => ctx.startStream(200, 'text/event-stream; charset=utf-8', { connection: 'keep-alive', 'x-accel-buffering': 'no' }),
      tokenHash,
    );
  });
}
