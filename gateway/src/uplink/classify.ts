/**
 * What an answer (or the lack of one) from the cloud means for the batch. The table, in
 * README.md, follows the cloud's contract (docs/cloud-api.md, shared/src/errors/api.ts):
 *
 *   2xx                        accepted (`duplicate: true` is a replay: also accepted)
 *   400, 413, 422              reject  -> quarantine: this batch can never be accepted
 *   401, 403                   halt    -> credentials: stop, keep the data, alarm IT
 *   3xx, 404, 405, 415         halt    -> cloud.url does not point at the batch API
 *   421                        retry   -> a read-only cloud instance answered: routing or cloud.url
 *   408, 425, 429, other 4xx   retry   (429: after Retry-After; the cloud is up)
 *   5xx                        retry   (503: after Retry-After)
 *   no answer                  retry   (refused, reset, timeouts, TLS)
 */
import { parseRetryAfter } from './retry-after.js';
import { UplinkSendError } from './errors.js';

export interface Accepted {
  kind: 'accepted';
  status: number;
  duplicate: boolean;
  remoteTraceId?: string;
}

export type SendOutcome = Accepted | UplinkSendError;

interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
  traceId?: unknown;
  duplicate?: unknown;
}

const REJECT = new Set([400, 413, 422]);
const HALT = new Set([401, 403, 404, 405, 415]);

export function classifyResponse(status: number, headers: Record<string, string | string[] | undefined>, body: unknown, nowMs: number): SendOutcome {
  const b = (body !== null && typeof body === 'object' ? body : {}) as ErrorBody;
  const remoteTraceId = typeof b.traceId === 'string' ? b.traceId : undefined;
  if (status >= 200 && status < 300) return { kind: 'accepted', status, duplicate: b.duplicate === true, ...(remoteTraceId ? { remoteTraceId } : {}) };

  const remoteCode = typeof b.error?.code === 'string' && /^[A-Z0-9_]{1,64}$/.test(b.error.code) ? b.error.code : undefined;
  const remoteMessage = typeof b.error?.message === 'string' ? b.error.message.slice(0, 500) : undefined;
  const code = remoteCode ?? `WL_UPLINK_HTTP_${status}`;
  const detail = {
    status,
    retryAfterMs: parseRetryAfter(headers['retry-after'], nowMs),
    ...(remoteMessage ? { remoteMessage } : {}),
    ...(remoteTraceId ? { remoteTraceId } : {}),
    ...highestSeqOf(headers),
  };
  const said = remoteMessage ? `: ${remoteMessage}` : '';

  if (status === 401 || status === 403) {
    return new UplinkSendError(code, 'halt', `the cloud refused this gateway's credentials (HTTP ${status} ${code}${said}); uploads are paused and every reading stays buffered. Set a current token with "wardlink-gateway config set cloud.token ..." (issued by "wardlink-cloud gateway add" or "rotate-token") and check gatewayId, then restart the gateway`, detail);
  }
  if (HALT.has(status) || (status >= 300 && status < 400)) {
    return new UplinkSendError(code, 'halt', `cloud.url does not reach the Wardlink batch API (HTTP ${status} ${code}${said}); uploads are paused and every reading stays buffered. Fix cloud.url and restart the gateway`, detail);
  }
  if (REJECT.has(status)) {
    return new UplinkSendError(code, 'reject', `the cloud refused this batch for good (HTTP ${status} ${code}${said}); it is quarantined in the local buffer for IT and will not be retried`, detail);
  }
  const wait = detail.retryAfterMs === null ? 'with backoff' : `after ${Math.ceil(detail.retryAfterMs / 1000)} s (Retry-After)`;
  if (status === 421) {
    // A cloud instance that serves only reads (server.role read): a load balancer that
    // misroutes now and then is retried through; a cloud.url that names such an instance
    // never succeeds, and the uplink-down alarm shows this message to IT.
    return new UplinkSendError(code, 'retry', `a cloud instance that does not take batches answered (HTTP 421 ${code}${said}); the batch stays buffered and is retried ${wait}. If this persists, point cloud.url at the ingest instances or fix the load balancer's routing of POST /v1/batches`, detail);
  }
  return new UplinkSendError(code, 'retry', `the cloud could not take the batch now (HTTP ${status} ${code}${said}); it stays buffered and is retried ${wait}`, detail);
}

const TIMEOUTS: Record<string, string> = {
  UND_ERR_CONNECT_TIMEOUT: 'WL_UPLINK_CONNECT_TIMEOUT',
  UND_ERR_HEADERS_TIMEOUT: 'WL_UPLINK_TIMEOUT',
  UND_ERR_BODY_TIMEOUT: 'WL_UPLINK_TIMEOUT',
};
const ABORTED = new Set(['UND_ERR_ABORTED', 'UND_ERR_DESTROYED', 'UND_ERR_CLOSED', 'ABORT_ERR']);

/** The network error code of `err` (undici wraps system errors as `cause`). */
export function networkCode(err: unknown): string {
  let cur: unknown = err;
  for (let depth = 0; depth < 4 && cur !== null && typeof cur === 'object'; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR_SOCKET') return code;
    if (cur instanceof AggregateError && cur.errors.length > 0) cur = cur.errors[0];
    else cur = (cur as { cause?: unknown }).cause;
  }
  const top = (err as { code?: unknown } | null)?.code;
  return typeof top === 'string' ? top : (err as Error | null)?.name ?? 'UNKNOWN';
}

function isTlsCode(code: string): boolean {
  return code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ALERT/.test(code);
}

/** No answer came back: always worth retrying, with the local reason as the code. */
export function classifyNetworkError(err: unknown, origin: string): UplinkSendError {
  const net = networkCode(err);
  const reason = (err as Error | null)?.message ?? String(err);
  const detail = { status: null, retryAfterMs: null, networkCode: net };
  const timeout = TIMEOUTS[net];
  if (timeout) return new UplinkSendError(timeout, 'retry', `the cloud at ${origin} did not answer in time (${net}); the batch stays buffered and is retried with backoff`, detail, { cause: err });
  if (ABORTED.has(net)) return new UplinkSendError('WL_UPLINK_ABORTED', 'retry', 'the upload was aborted (the uplink is stopping); the batch stays buffered and is sent after the restart', detail, { cause: err });
  if (isTlsCode(net)) {
    return new UplinkSendError('WL_UPLINK_TLS', 'retry', `TLS with ${origin} failed (${net}: ${reason}); check cloud.caFile and the client certificate; retrying with backoff`, detail, { cause: err });
  }
  return new UplinkSendError('WL_UPLINK_NETWORK', 'retry', `could not reach the cloud at ${origin} (${net}: ${reason}); the batch stays buffered and is retried with backoff`, detail, { cause: err });
}

/** The `wardlink-highest-seq` header of a WL_API_BATCH_SEQ_REUSED answer. */
function highestSeqOf(headers: Record<string, string | string[] | undefined>): { highestSeq?: number } {
  const raw = headers['wardlink-highest-seq'];
  const n = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined;
  return n === undefined ? {} : { highestSeq: n };
}
