/**
 * POST /v1/batches: one gateway batch in, stored exactly once.
 *
 * Everything cheap and refusing comes before everything expensive:
 *   shutting down? → token → declared size → in-flight bound → read body (bounded) →
 *   header peek (sender, seq, counts; nothing decompressed) → gateway matches token? →
 *   rate limit → memory bound → pool queue bound → decode → load.
 * Each refusal has its own status and stable code (see docs/cloud-api.md).
 */
import type pg from 'pg';
import {
  BatchSeqReusedError,
  GatewayMismatchError,
  InvalidBatchError,
  peekBatchHeader,
  RateLimitedError,
  ShuttingDownError,
  UnsupportedMediaTypeError,
  type DecodeLimits,
} from '@wardlink/shared';
import { loadBatch, type LoadOptions } from '../../ingest/loader.js';
import { dictionariesFor } from '../../ingest/series-dictionary.js';
import type { BatchOutcome, CloudMetrics } from '../../observability/metrics.js';
import type { GatewayAuthenticator } from '../auth/authenticator.js';
import { checkDeclaredLength, ClientAbortedError, readBody } from '../body.js';
import type { RequestContext } from '../context.js';
import type { Admission, AdmissionTicket } from '../limits/admission.js';
import type { TokenBucketLimiter } from '../limits/rate-limiter.js';

export const BATCH_CONTENT_TYPES = ['application/vnd.wardlink.batch', 'application/octet-stream'] as const;

export interface BatchRouteDeps {
  pool: pg.Pool;
  metrics: CloudMetrics;
  authenticator: GatewayAuthenticator;
  limiter: TokenBucketLimiter;
  admission: Admission;
  bodyLimitBytes: number;
  decodeLimits: Partial<DecodeLimits>;
  load: Omit<LoadOptions, 'logger' | 'traceId'>;
  isShuttingDown: () => boolean;
}

export async function handleBatch(ctx: RequestContext, deps: BatchRouteDeps): Promise<void> {
  const { req, fields } = ctx;
  let ticket: AdmissionTicket | undefined;
  let taken: { gatewayId: string; n: number } | undefined;
  let outcome: BatchOutcome = 'error';
  let status = 500;
  deps.metrics.inFlight.inc();
  try {
    if (deps.isShuttingDown()) throw new ShuttingDownError(2);
    checkContentType(req.headers['content-type']);
    const gateway = await deps.authenticator.authenticate(req.headers.authorization);
    fields.gatewayId = gateway.gatewayId;
    fields.hospitalId = gateway.hospitalId;
    checkDeclaredLength(req, deps.bodyLimitBytes);
    ticket = deps.admission.admit();
    const body = await readBody(req, deps.bodyLimitBytes);
    if (body.length === 0) throw new InvalidBatchError('the body is empty; send one encoded batch');

    const header = peekBatchHeader(body, deps.decodeLimits);
    fields.seq = header.seq;
    fields.readings = header.readingCount;
    if (header.gatewayId !== gateway.gatewayId) throw new GatewayMismatchError(gateway.gatewayId, header.gatewayId);
    if (header.seq < 1) throw new InvalidBatchError('the batch sequence number must start at 1', { seq: header.seq });
    const take = deps.limiter.take(gateway.gatewayId, header.readingCount);
    if (!take.ok) {
      deps.metrics.rateLimited.inc({ gateway_id: gateway.gatewayId });
      throw new RateLimitedError(gateway.gatewayId, take.retryAfterS, deps.limiter.ratePerS);
    }
    taken = { gatewayId: gateway.gatewayId, n: header.readingCount };
    ticket.reserveReadings(header.readingCount);
    ticket.checkPool();

    const decoded = await dictionariesFor(deps.pool).decode(gateway.hospitalId, body, deps.decodeLimits);
    const batch = decoded.batch;
    const dictionary = decoded.dictionaryId === 0 ? {} : { dictionary: { id: decoded.dictionaryId, inline: decoded.inlineEntries } };
    const result = await loadBatch(deps.pool, gateway, batch, { ...deps.load, ...dictionary, logger: ctx.log, traceId: ctx.trace.traceId });
    outcome = result.duplicate ? 'duplicate' : 'stored';
    status = 200;
    Object.assign(fields, { outcome, path: result.path, stored: result.storedReadings, alarms: batch.alarms.length, copyMs: Math.round(result.copyMs * 10) / 10 });
    if (!result.duplicate) {
      deps.metrics.readingsLoaded.inc(result.storedReadings);
      deps.metrics.alarmsLoaded.inc(result.storedAlarms);
      deps.metrics.copyDuration.observe(result.copyMs / 1000);
      if (result.path === 'staged') deps.metrics.stagedLoads.inc();
      if (result.conflictingReadings > 0) {
        deps.metrics.conflictingReadings.inc(result.conflictingReadings);
        ctx.log.warn(
          { gatewayId: gateway.gatewayId, seq: batch.seq, conflicting: result.conflictingReadings, code: 'WL_INGEST_CONFLICTING_READINGS' },
          'readings not stored: others with the same patient, metric, time and device but another value were stored first',
        );
      }
    }
    ctx.sendJson(200, {
      accepted: true,
      duplicate: result.duplicate,
      gatewayId: gateway.gatewayId,
      seq: batch.seq,
      readings: result.readings,
      storedReadings: result.storedReadings,
      storedAlarms: result.storedAlarms,
      traceId: ctx.trace.traceId,
    });
  } catch (err) {
    if (err instanceof ClientAbortedError) {
      outcome = 'rejected';
      status = 499; // nginx's "client closed request": nobody is left to answer
      ctx.log.debug({ ...fields }, err.message);
      return;
    }
    const answer = ctx.sendError(err, bodyLeftUnread(req) ? { connection: 'close' } : {});
    status = answer.status;
    outcome = outcomeOf(answer.status);
    // A batch refused for load was not stored: it must not count against the gateway.
    if (taken && answer.status === 503) deps.limiter.refund(taken.gatewayId, taken.n);
    if (answer.status !== 503 && answer.status !== 429) deps.metrics.batchErrors.inc({ code: answer.code });
    if (err instanceof BatchSeqReusedError && fields.gatewayId !== undefined) deps.metrics.seqReused.inc({ gateway_id: String(fields.gatewayId) });
  } finally {
    ticket?.release();
    deps.metrics.inFlight.dec();
    deps.metrics.batches.inc({ outcome, status: String(status) });
    deps.metrics.batchDuration.observe({ outcome }, ctx.elapsedMs() / 1000);
  }
}

function checkContentType(header: string | undefined): void {
  if (header === undefined) return;
  const type = header.split(';')[0]!.trim().toLowerCase();
  if (!(BATCH_CONTENT_TYPES as readonly string[]).includes(type)) throw new UnsupportedMediaTypeError(type, BATCH_CONTENT_TYPES);
}

/** A refusal before the body was read leaves it on the socket: close the connection
 * rather than read (and discard) an unbounded body to keep it alive. */
function bodyLeftUnread(req: RequestContext['req']): boolean {
  return !req.complete;
}

function outcomeOf(status: number): BatchOutcome {
  if (status === 401) return 'unauthorized';
  if (status === 429) return 'rate_limited';
  if (status === 503) return 'unavailable';
  if (status >= 500) return 'error';
  return 'rejected';
}
