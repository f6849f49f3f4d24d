/**
 * Sorting database failures into "try again later" and "a real bug". A transient one
 * (PostgreSQL down, restarting, overloaded, the pool saturated, a statement or lock
 * timeout, a deadlock) becomes DatabaseUnavailableError (WL_DB_UNAVAILABLE), which the
 * HTTP layer answers with 503 + Retry-After so the gateway keeps its batch and retries.
 * Anything else (a constraint violation, bad SQL) is returned unchanged.
 */
import { DatabaseUnavailableError, WardlinkError, type DatabaseUnavailableReason } from '@wardlink/shared';

const BY_ERRNO: Record<string, DatabaseUnavailableReason> = {
  ECONNREFUSED: 'connect-failed',
  ENOTFOUND: 'connect-failed',
  EAI_AGAIN: 'connect-failed',
  EHOSTUNREACH: 'connect-failed',
  ENETUNREACH: 'connect-failed',
  ETIMEDOUT: 'connect-failed',
  ECONNRESET: 'connection-lost',
  EPIPE: 'connection-lost',
};

const BY_SQLSTATE: Record<string, DatabaseUnavailableReason> = {
  '57P01': 'server-shutting-down', // admin_shutdown
  '57P02': 'server-shutting-down', // crash_shutdown
  '57P03': 'server-shutting-down', // cannot_connect_now (starting up, recovering)
  '53300': 'too-many-connections',
  '57014': 'statement-timeout', // query_canceled, which statement_timeout raises
  '55P03': 'lock-timeout', // lock_not_available
  '40001': 'serialization-conflict',
  '40P01': 'serialization-conflict', // deadlock_detected: the loser may simply retry
  '25P03': 'connection-lost', // idle_in_transaction_session_timeout
};

// node-postgres and pg-pool report these as plain Errors without a code.
const BY_MESSAGE: Array<[RegExp, DatabaseUnavailableReason]> = [
  [/^timeout exceeded when trying to connect/, 'pool-saturated'],
  [/^Connection terminated due to connection timeout/, 'connect-failed'],
  [/^Connection terminated/, 'connection-lost'],
  [/not queryable/, 'connection-lost'],
  [/^Cannot use a pool after calling end/, 'pool-closed'],
];

/** The transient reason behind `err`, or undefined when it is not a transient failure. */
export function transientReason(err: unknown): DatabaseUnavailableReason | undefined {
  if (err instanceof DatabaseUnavailableError) return err.reason;
  if (err === null || typeof err !== 'object') return undefined;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (BY_SQLSTATE[code]) return BY_SQLSTATE[code];
    if (code.startsWith('08') && code !== '08P01') return 'connection-lost';
    if (code.startsWith('53')) return 'out-of-resources';
    if (BY_ERRNO[code]) return BY_ERRNO[code];
  }
  // Node reports a refused dual-stack connect (::1 then 127.0.0.1) as an AggregateError.
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const reason = transientReason(inner);
      if (reason) return reason;
    }
  }
  if (typeof message === 'string') {
    for (const [pattern, reason] of BY_MESSAGE) if (pattern.test(message)) return reason;
  }
  return undefined;
}

/** Maps a transient failure to DatabaseUnavailableError; returns anything else unchanged. */
export function toDatabaseError(err: unknown): unknown {
  if (err instanceof WardlinkError) return err;
  const reason = transientReason(err);
  if (reason === undefined) return err;
  const { code, message } = err as { code?: unknown; message?: unknown };
  return new DatabaseUnavailableError(
    reason,
    { ...(typeof code === 'string' ? { pgCode: code } : {}), ...(typeof message === 'string' ? { cause: message.slice(0, 200) } : {}) },
    { cause: err },
  );
}

export function isDatabaseUnavailable(err: unknown): err is DatabaseUnavailableError {
  return err instanceof DatabaseUnavailableError;
}
