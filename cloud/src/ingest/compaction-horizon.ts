/**
 * Where compacted data ends (compaction_state.cutoff, migration 009), for the loader: a
 * batch whose readings are all at or after it cannot hold a copy of a compacted reading
 * and takes the plain COPY path; an older one goes through the staging table, where such
 * copies are dropped. Cached per pool for a few seconds: the job raises the cutoff once
 * an hour, and a batch loaded in the seconds after with a copy of a just-compacted
 * reading stays a row until the next run drops it (the job keeps the stored reading).
 */
import type pg from 'pg';
import type { Clock } from '@wardlink/shared';

const TTL_MS = 10_000;
const cache = new WeakMap<pg.Pool, { cutoffMs: number; until: number }>();

export async function compactedBeforeMs(pool: pg.Pool, clock: Clock): Promise<number> {
  const now = clock.now();
  const hit = cache.get(pool);
  if (hit && hit.until > now) return hit.cutoffMs;
  const res = await pool.query<{ cutoff: Date }>('SELECT cutoff FROM compaction_state');
  const cutoffMs = res.rows[0]?.cutoff.getTime() ?? Number.NEGATIVE_INFINITY;
  cache.set(pool, { cutoffMs, until: now + TTL_MS });
  return cutoffMs;
}

/** Forget the cached cutoff (tests; a process that just ran the job itself). */
export function forgetCompactionHorizon(pool: pg.Pool): void {
  cache.delete(pool);
}
