/**
 * Errors of the cloud's HTTP API (`POST /v1/batches` and friends). Each one carries the
 * HTTP status it is answered with, and a stable `code` that the gateway's uplink branches
 * on: 4xx codes mean "this batch will never be accepted as it is" (quarantine it, alert
 * IT), 429 and 503 mean "keep it and retry after `retryAfterS`".
 *
 * Codec failures (400) answer with the codec's own `WL_CODEC_*` code, and an unavailable
 * database (503) with `WL_DB_UNAVAILABLE`; those classes live in codec.ts and cloud.ts.
 */
import { WardlinkError } from './base.js';

export class ApiError extends WardlinkError {
  /** The HTTP status this error is answered with. */
  readonly status: number;
  /** For 429 and 503: whole seconds the client should wait before retrying. */
  readonly retryAfterS: number | undefined;

  constructor(code: string, status: number, message: string, detail: Record<string, unknown> = {}, retryAfterS?: number) {
    super(code, message, retryAfterS === undefined ? detail : { ...detail, retryAfterS });
    this.status = status;
    this.retryAfterS = retryAfterS;
  }
}

/** Why a bearer token was refused. */
export type UnauthorizedReason = 'missing' | 'malformed' | 'unknown' | 'revoked';

/** Who presents a token: a gateway uploading batches, or a reader of the read API. */
export type TokenAudience = 'gateway' | 'reader';

/** 401: no token, or a token that names no active gateway (or reader). */
export class UnauthorizedError extends ApiError {
  readonly reason: UnauthorizedReason;
  constructor(reason: UnauthorizedReason, audience: TokenAudience = 'gateway') {
    const what = {
      missing: 'no "Authorization: Bearer <token>" header was sent',
      malformed: 'the Authorization header is not "Bearer <token>"',
      unknown: `the token belongs to no ${audience}`,
      revoked: 'the token was revoked or rotated',
    }[reason];
    const fix =
      audience === 'gateway'
        ? 'configure the gateway with a current token ("wardlink-cloud gateway rotate-token" issues one)'
        : 'use a current reader token of this hospital ("wardlink-cloud reader add" issues one)';
    super('WL_API_UNAUTHORIZED', 401, `${what}; ${fix}`, { reason, audience });
    this.reason = reason;
  }
}

/** 403: a reader token of one hospital asked for another hospital's data. */
export class HospitalForbiddenError extends ApiError {
  constructor(readerHospitalId: string, requestedHospitalId: string) {
    super(
      'WL_API_FORBIDDEN_HOSPITAL',
      403,
      `this reader token belongs to hospital "${readerHospitalId}" and cannot read hospital "${requestedHospitalId}"; use a reader token issued for that hospital`,
      { readerHospitalId, requestedHospitalId },
    );
  }
}

/** 403: the batch names another gateway than the token's. */
export class GatewayMismatchError extends ApiError {
  constructor(tokenGatewayId: string, batchGatewayId: string) {
    super(
      'WL_API_GATEWAY_MISMATCH',
      403,
      `this token belongs to gateway "${tokenGatewayId}" but the batch says it comes from "${batchGatewayId}"; a gateway may upload only its own data, check its gatewayId and token`,
      { tokenGatewayId, batchGatewayId },
    );
  }
}

/** 413: the request body is larger than the configured limit. */
export class BodyTooLargeError extends ApiError {
  constructor(limitBytes: number, declaredBytes?: number) {
    super(
      'WL_API_BODY_TOO_LARGE',
      413,
      `the request body is larger than ${limitBytes} bytes; send smaller batches (or raise server.bodyLimitBytes)`,
      declaredBytes === undefined ? { limitBytes } : { limitBytes, declaredBytes },
    );
  }
}

/** 400: the request is well-formed HTTP but not an acceptable batch (empty body, seq 0). */
export class InvalidBatchError extends ApiError {
  constructor(reason: string, detail: Record<string, unknown> = {}) {
    super('WL_API_INVALID_BATCH', 400, `the batch is not acceptable: ${reason}`, detail);
  }
}

/**
 * 422: the batch's sequence number is at or below the gateway's pruned ledger watermark,
 * and it is not in the ledger: its fate (stored or not) is no longer known, because the
 * ledger rows of that age were pruned after the hot period. Storing it could duplicate
 * archived readings, so it is refused for good; the gateway quarantines it for IT.
 */
export class BatchExpiredError extends ApiError {
  constructor(gatewayId: string, seq: number, prunedThroughSeq: number) {
    super(
      'WL_API_BATCH_EXPIRED',
      422,
      `batch ${seq} of gateway "${gatewayId}" is older than the batch ledger keeps (pruned through seq ${prunedThroughSeq}); it cannot be stored exactly once any more. It is quarantined: ask IT to compare it with the archive`,
      { gatewayId, seq, prunedThroughSeq },
    );
  }
}

/**
 * 409: the ledger holds another batch under this gateway's sequence number (a different
 * creation time). The gateway lost the record of having numbered it (a power cut rolled
 * back its last commits, or its buffer was restored from a copy) and numbered new readings
 * with a sequence the cloud has stored. Answering "duplicate" would drop them silently.
 * Nothing was stored; the gateway gives the batch a sequence above `highestSeq` and sends
 * it again.
 */
export class BatchSeqReusedError extends ApiError {
  /** Sent as the `wardlink-highest-seq` header: the gateway renumbers above it. */
  static readonly HEADER = 'wardlink-highest-seq';

  constructor(
    gatewayId: string,
    seq: number,
    readonly highestSeq: number,
  ) {
    super(
      'WL_API_BATCH_SEQ_REUSED',
      409,
      `batch ${seq} of gateway "${gatewayId}" is not the batch stored under that sequence number (another creation time): the gateway numbered new readings with a sequence it had used. Nothing was stored; renumber it above ${highestSeq} and send it again`,
      { gatewayId, seq, highestSeq },
    );
  }
}

/** 415: the body is declared as something other than a Wardlink batch. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(contentType: string, accepted: readonly string[]) {
    super('WL_API_UNSUPPORTED_MEDIA_TYPE', 415, `Content-Type "${contentType}" is not accepted; send ${accepted.join(' or ')}`, {
      contentType,
      accepted: [...accepted],
    });
  }
}

/** 429: the gateway's token bucket (readings per second) is empty. */
export class RateLimitedError extends ApiError {
  constructor(gatewayId: string, retryAfterS: number, limitReadingsPerS: number) {
    super(
      'WL_API_RATE_LIMITED',
      429,
      `gateway "${gatewayId}" is over its rate limit of ${limitReadingsPerS} readings/s; keep the batch and retry after ${retryAfterS} s`,
      { gatewayId, limitReadingsPerS },
      retryAfterS,
    );
  }
}

/** Why the service refused work it could not take on right now. */
export type OverloadReason = 'in-flight-requests' | 'in-flight-readings' | 'pool-waiting';

/** 503: the service is at its bound of concurrent work; the batch is kept and retried. */
export class OverloadedError extends ApiError {
  constructor(reason: OverloadReason, retryAfterS: number, detail: Record<string, unknown> = {}) {
    super('WL_API_OVERLOADED', 503, `the service is at capacity (${reason}); keep the batch and retry after ${retryAfterS} s`, { reason, ...detail }, retryAfterS);
  }
}

/** 503: the instance is shutting down; another instance (or this one, restarted) will take the retry. */
export class ShuttingDownError extends ApiError {
  constructor(retryAfterS: number) {
    super('WL_API_SHUTTING_DOWN', 503, `this instance is shutting down; retry after ${retryAfterS} s`, {}, retryAfterS);
  }
}

/** 404: no such route. */
export class RouteNotFoundError extends ApiError {
  constructor(path: string) {
    super(
      'WL_API_NOT_FOUND',
      404,
      `no route ${path}; the API serves POST /v1/batches, GET /v1/hospitals/{hospitalId}/patients/{patientId}/latest|history, GET /v1/hospitals/{hospitalId}/dashboard|stream|reports/daily|reports/weekly, GET /healthz, /readyz and /metrics`,
      { path },
    );
  }
}

/** 405: the route exists but not with this method. */
export class MethodNotAllowedError extends ApiError {
  readonly allow: readonly string[];
  constructor(method: string, path: string, allow: readonly string[]) {
    super('WL_API_METHOD_NOT_ALLOWED', 405, `${method} is not allowed on ${path}; use ${allow.join(', ')}`, { method, path, allow: [...allow] });
    this.allow = allow;
  }
}

/** 400: a path or query parameter is missing, malformed or out of bounds. The code says
 * which rule was broken, so a client can branch on it; `detail.parameter` names it. */
export type ParameterProblem =
  | 'WL_API_INVALID_PARAMETER'
  | 'WL_API_UNKNOWN_METRIC'
  | 'WL_API_INVALID_TIME'
  | 'WL_API_INVALID_RANGE'
  | 'WL_API_RANGE_TOO_LONG';

export class InvalidParameterError extends ApiError {
  readonly parameter: string;
  constructor(code: ParameterProblem, parameter: string, message: string, detail: Record<string, unknown> = {}) {
    super(code, 400, message, { parameter, ...detail });
    this.parameter = parameter;
  }
}

/** 500: a bug. Never used for load or an unavailable database (those are 503). */
export class InternalApiError extends ApiError {
  constructor() {
    super('WL_INTERNAL', 500, 'the service failed unexpectedly; the batch was not stored, retry it and report the trace id to IT');
  }
}

/** Every API error code, for docs and metric labels. */
export const API_ERROR_CODES = [
  'WL_API_UNAUTHORIZED',
  'WL_API_GATEWAY_MISMATCH',
  'WL_API_FORBIDDEN_HOSPITAL',
  'WL_API_INVALID_PARAMETER',
  'WL_API_UNKNOWN_METRIC',
  'WL_API_INVALID_TIME',
  'WL_API_INVALID_RANGE',
  'WL_API_RANGE_TOO_LONG',
  'WL_API_BODY_TOO_LARGE',
  'WL_API_INVALID_BATCH',
  'WL_API_BATCH_EXPIRED',
  'WL_API_UNSUPPORTED_MEDIA_TYPE',
  'WL_API_RATE_LIMITED',
  'WL_API_OVERLOADED',
  'WL_API_SHUTTING_DOWN',
  'WL_API_NOT_FOUND',
  'WL_API_METHOD_NOT_ALLOWED',
  'WL_INTERNAL',
] as const;

/**
 * 422: a reading's time is further ahead of the server clock than `server.readingMaxFutureMs`,
 * or older than the hot period. Such a batch would create partitions retention drops at
 * once (or far in the future); it is refused for good and the gateway quarantines it for
 * IT: usually a gateway clock that is wrong.
 */
export class ReadingTimeOutOfBoundsError extends ApiError {
  constructor(detail: { minTMs: number; maxTMs: number; earliestMs: number; latestMs: number }) {
    const iso = (ms: number) => new Date(ms).toISOString();
    super(
      'WL_API_READING_TIME_OUT_OF_BOUNDS',
      422,
      `the batch has readings from ${iso(detail.minTMs)} to ${iso(detail.maxTMs)}; this service takes ${iso(detail.earliestMs)} to ${iso(detail.latestMs)} (the hot period, and the server clock plus server.readingMaxFutureMs). Check the gateway's clock; the batch is quarantined on the gateway`,
      detail,
    );
  }
}
