/**
 * Wraps a FHIR handler as readRoute wraps a read handler (the reader must hold a token
 * of the hospital in the path, 401 / 403 before any query, except for the
 * CapabilityStatement; the answer is counted by route pattern), with one difference: errors are OperationOutcome resources in
 * application/fhir+json, the Wardlink code in issue[].details.coding.
 */
import type { RequestContext } from '../../context.js';
import type { Handler, PathParams } from '../../router.js';
import type { ReaderIdentity } from '../../auth/reader-authenticator.js';
import { FHIR_JSON, outcomeFor } from '../../../fhir/operation-outcome.js';
import type { ReadRouteDeps } from '../read/deps.js';

export type FhirHandler = (ctx: RequestContext, params: PathParams, reader: ReaderIdentity) => Promise<void>;

/** Answers an error as an OperationOutcome (nothing, if the answer already started). */
export function sendOutcome(ctx: RequestContext, err: unknown, extraHeaders: Record<string, string> = {}): void {
  const a = outcomeFor(err, ctx.trace.traceId);
  if (a.unexpected) ctx.log.error({ err }, 'request failed unexpectedly');
  ctx.fields.code = a.code;
  ctx.send(a.status, FHIR_JSON, JSON.stringify(a.body), { ...a.headers, ...extraHeaders });
}

export function sendFhir(ctx: RequestContext, status: number, body: unknown, headers: Record<string, string> = {}): void {
  ctx.send(status, FHIR_JSON, JSON.stringify(body), headers);
}

export function fhirRoute(pattern: string, deps: ReadRouteDeps, handle: FhirHandler): Handler {
  return answerFhir(pattern, deps, async (ctx, params) => {
    const reader = await deps.readers.authorize(ctx.req.headers.authorization, params.hospitalId!);
    ctx.fields.readerId = reader.readerId;
    await handle(ctx, params, reader);
  });
}

/**
 * A FHIR route that needs no token: only the CapabilityStatement, which a FHIR client
 * reads before it authenticates (to learn how) and which says nothing of any patient.
 * It must not tell whether the hospital in the path exists either: the handler answers
 * without a query.
 */
export function anonymousFhirRoute(pattern: string, deps: ReadRouteDeps, handle: (ctx: RequestContext, params: PathParams) => Promise<void>): Handler {
  return answerFhir(pattern, deps, handle);
}

function answerFhir(pattern: string, deps: ReadRouteDeps, handle: (ctx: RequestContext, params: PathParams) => Promise<void>): Handler {
  return async (ctx, params) => {
    try {
      ctx.fields.hospitalId = params.hospitalId!;
      await handle(ctx, params);
    } catch (err) {
      if (!ctx.res.headersSent) sendOutcome(ctx, err);
      else throw err;
    } finally {
      deps.metrics.readRequests.inc({ route: pattern, status: String(ctx.res.statusCode) });
      deps.metrics.readDuration.observe({ route: pattern }, ctx.elapsedMs() / 1000);
    }
  };
}

/** The FHIR base URL of the hospital as the client reached it (links must be absolute). */
export function fhirBase(ctx: RequestContext, hospitalId: string): string {
  const tls = (ctx.req.socket as { encrypted?: boolean }).encrypted === true;
  const host = ctx.req.headers.host ?? 'localhost';
  return `${tls ? 'https' : 'http'}://${host}/v1/hospitals/${encodeURIComponent(hospitalId)}/fhir`;
}
