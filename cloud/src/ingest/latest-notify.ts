/**
 * Tells every service instance that latest_vitals changed, so SSE dashboards are pushed
 * instead of polling. The loader calls `notifyLatest` inside the batch's transaction:
 * PostgreSQL delivers a NOTIFY only when that transaction commits, so a rolled-back or
 * duplicate batch never announces anything. One notification per batch (not per row)
 * keeps the cost one short statement; the payload names only what a listener needs to
 * read the changed rows itself (hospital, gateway, time range), a few hundred bytes at
 * most (ids are at most 128 characters), far under NOTIFY's 8000-byte limit.
 */
import type pg from 'pg';

export const LATEST_CHANNEL = 'wardlink_latest';

export interface LatestChange {
  hospitalId: string;
  gatewayId: string;
  /** The oldest of the batch's newest-per-(bed, metric) times: every row the batch
   * changed has t >= fromMs. */
  fromMs: number;
  /** The batch's newest reading time. */
  toMs: number;
}

export async function notifyLatest(client: pg.PoolClient, change: LatestChange): Promise<void> {
  await client.query('SELECT pg_notify($1, $2)', [LATEST_CHANNEL, latestChangePayload(change)]);
}

/** The notification's payload (also sent by upsertLatestVitals from its own statement). */
export function latestChangePayload(change: LatestChange): string {
  return JSON.stringify({ h: change.hospitalId, g: change.gatewayId, f: change.fromMs, t: change.toMs });
}

/** The change a notification announces, or undefined for a payload this build did not
 * write (another version during a rolling deploy): ignored, never thrown. */
export function parseLatestChange(payload: string | undefined): LatestChange | undefined {
  try {
    const p = JSON.parse(payload ?? '') as { h?: unknown; g?: unknown; f?: unknown; t?: unknown };
    if (typeof p.h !== 'string' || typeof p.g !== 'string' || !Number.isFinite(p.f) || !Number.isFinite(p.t)) return undefined;
    return { hospitalId: p.h, gatewayId: p.g, fromMs: p.f as number, toMs: p.t as number };
  } catch {
    return undefined;
  }
}
