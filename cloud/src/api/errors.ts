/**
 * Every failure of a request becomes one HTTP answer with a stable code:
 * API errors carry their status; a bad batch is 400 with the codec's WL_CODEC_* code;
 * an unavailable database is 503 WL_DB_UNAVAILABLE with its Retry-After; anything else
 * is a bug, 500 WL_INTERNAL (never used for load).
 */
import { ApiError, BatchCodecError, BatchSeqReusedError, DatabaseUnavailableError, InternalApiError, WardlinkError } from '@wardlink/shared';
import { toDatabaseError } from '../storage/db-errors.js';

export interface ErrorAnswer {
  status: number;
  code: string;
  message: string;
  retryAfterS?: number;
  /** Extra response headers (Allow for 405). */
  headers?: Record<string, string>;
  /** True when the error is a bug worth an error-level log line. */
  unexpected: boolean;
}

export function answerFor(err: unknown): ErrorAnswer {
  const mapped = toDatabaseError(err);
  if (mapped instanceof ApiError) {
    const allow = (mapped as { allow?: readonly string[] }).allow;
    const highestSeq = mapped instanceof BatchSeqReusedError ? { [BatchSeqReusedError.HEADER]: String(mapped.highestSeq) } : undefined;
    return {
      status: mapped.status,
      code: mapped.code,
      message: mapped.message,
      ...(mapped.retryAfterS === undefined ? {} : { retryAfterS: mapped.retryAfterS }),
      ...(allow ? { headers: { allow: allow.join(', ') } } : {}),
      ...(highestSeq ? { headers: highestSeq } : {}),
      unexpected: mapped.status >= 500 && mapped.status !== 503,
    };
  }
  if (mapped instanceof BatchCodecError) return { status: 400, code: mapped.code, message: mapped.message, unexpected: false };
  if (mapped instanceof DatabaseUnavailableError) {
    return { status: 503, code: mapped.code, message: mapped.message, retryAfterS: mapped.retryAfterS, unexpected: false };
  }
  // The schema is missing (a fresh database, migrations not run yet): the deployment is
  // not finished, which is worth waiting for, not a reason to drop the batch.
  if ((mapped as { code?: unknown } | null)?.code === '42P01') {
    return {
      status: 503,
      code: 'WL_SCHEMA_NOT_CURRENT',
      message: 'the database schema is not migrated yet; run "wardlink-cloud migrate", then retry',
      retryAfterS: 30,
      unexpected: false,
    };
  }
  // A batch the storage layer refuses for its content (e.g. timestamps spanning more
  // days than a partition range allows): retrying would never help, so 422.
  if (mapped instanceof WardlinkError && mapped.code === 'WL_PARTITION_FAILED') {
    return { status: 422, code: mapped.code, message: mapped.message, unexpected: false };
  }
  const internal = new InternalApiError();
  return { status: internal.status, code: internal.code, message: internal.message, unexpected: true };
}
