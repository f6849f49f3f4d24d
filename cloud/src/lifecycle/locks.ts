/**
 * Session-level advisory locks for the lifecycle jobs, taken with pg_try_advisory_lock:
 * a second instance that finds a job running skips it (never queues, never deadlocks),
 * and the lock is released on unlock, or by PostgreSQL when the session ends (a crash).
 * It is held on a dedicated pooled connection for the job's duration.
 */
import type pg from 'pg';
import { ADVISORY_NAMESPACE, AdvisoryLock } from '../storage/advisory-locks.js';
import { connectClient } from '../storage/pool.js';

/** The lifecycle's lock keys (see storage/advisory-locks.ts for why each is its own). */
export const LifecycleLock = {
  MAINTENANCE: AdvisoryLock.MAINTENANCE,
  RETENTION: AdvisoryLock.RETENTION,
  PURGE: AdvisoryLock.PURGE,
  COMPACTION: AdvisoryLock.COMPACTION,
} as const;
export type LifecycleLockKey = (typeof LifecycleLock)[keyof typeof LifecycleLock];

export type Locked<T> = { ran: true; value: T } | { ran: false };

/** Runs `fn` while holding the lock; returns { ran: false } at once if another session holds it. */
export async function withTryLock<T>(pool: pg.Pool, key: LifecycleLockKey, fn: () => Promise<T>): Promise<Locked<T>> {
  const client = await connectClient(pool);
  let broken: Error | undefined;
  try {
    const res = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [ADVISORY_NAMESPACE, key]);
    if (!res.rows[0]!.ok) return { ran: false };
    try {
      return { ran: true, value: await fn() };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [ADVISORY_NAMESPACE, key]).catch((err: Error) => (broken = err));
    }
  } catch (err) {
    broken ??= (err as { code?: string }).code?.startsWith('08') ? (err as Error) : undefined;
    throw err;
  } finally {
    // A connection whose unlock failed may still hold the lock: discard it.
    client.release(broken);
  }
}
