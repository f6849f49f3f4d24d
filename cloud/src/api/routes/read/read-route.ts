/**
 * Wraps a read handler with what every read route does the same way: the reader must
 * hold a token of the hospital in the path (401 / 403 before any data query), the
 * access-log line names the reader, and the answer is counted by route pattern (a
 * bounded label, unlike the path) and status.
 */
import type { RequestContext } from '../../context.js';
import type { Handler, PathParams } from '../../router.js';
import type { ReaderIdentity } from '../../auth/reader-authenticator.js';
import type { ReadRouteDeps } from './deps.js';

export type ReadHandler = (ctx: RequestContext, params: PathParams, reader: ReaderIdentity) => Promise<void>;

export function readRoute(pattern: string, deps: ReadRouteDeps, handle: ReadHandler): Handler {
  return async (ctx, params) => {
    try {
      const hospitalId = params.hospitalId!;
      ctx.fields.hospitalId = hospitalId;
      const reader = await deps.readers.authorize(ctx.req.headers.authorization, hospitalId);
      ctx.fields.readerId = reader.readerId;
      // With a replica, the request's queries all go where the routing decides now.
      await (deps.routing ? deps.routing.run(ctx.res, () => handle(ctx, params, reader)) : handle(ctx, params, reader));
    } catch (err) {
      if (!ctx.res.headersSent) ctx.sendError(err);
      else throw err; // a streamed answer reports its own failure; nothing more to send
    } finally {
      deps.metrics.readRequests.inc({ route: pattern, status: String(ctx.res.statusCode) });
      deps.metrics.readDuration.observe({ route: pattern }, ctx.elapsedMs() / 1000);
    }
  };
}
