/**
 * Realistic batches for the cloud's tests: the ward simulator's readings, cut into
 * batches as a gateway would, and the registry rows the loader expects.
 */
import type pg from 'pg';
import { decodeBatch, encodeBatch, type Batch, type Reading } from '@wardlink/shared';
import { createWard, type Ward } from '@wardlink/simulator';

const DAY_MS = 86_400_000;
/** 08:00 UTC two days ago: inside the hot period and never ahead of the server clock, as
 * the service's reading-time bounds require (ingest/time-bounds.ts). */
export const T0 = Math.floor(Date.now() / DAY_MS) * DAY_MS - 2 * DAY_MS + 8 * 3_600_000;

export function simulatedWard(gatewayId: string, beds = 20, seed = 7): Ward {
  return createWard({ beds, seed, startMs: T0, gatewayId });
}

/** The batch of `ward`'s readings with device time in [fromMs, fromMs + spanMs). */
export function batchOf(ward: Ward, seq: number, fromMs: number, spanMs = 10_000): Batch {
  const readings: Reading[] = ward.readingsBetween(fromMs, fromMs + spanMs);
  return { gatewayId: ward.gatewayId, seq, createdAtMs: fromMs + spanMs + 200, alarms: [], readings };
}

/** What the cloud sees of a batch: encoded, then decoded (values at catalog resolution). */
export function overTheWire(batch: Batch): Batch {
  return decodeBatch(encodeBatch(batch));
}

/** Inserts a hospital, a ward and a gateway row directly (no token needed by the loader). */
export async function registerGateway(pool: pg.Pool, hospitalId: string, wardId: string, gatewayId: string): Promise<void> {
  await pool.query(
    `INSERT INTO hospitals (hospital_id, name) VALUES ($1, $1) ON CONFLICT DO NOTHING;`,
    [hospitalId],
  );
  await pool.query('INSERT INTO wards (hospital_id, ward_id, name) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING', [hospitalId, wardId]);
  await pool.query(
    `INSERT INTO gateways (hospital_id, gateway_id, ward_id, token_hash, token_prefix) VALUES ($1, $2, $3, $4, 'test')`,
    [hospitalId, gatewayId, wardId, `hash-of-${gatewayId}`],
  );
}

export async function countRows(pool: pg.Pool, table: string, gatewayId: string): Promise<number> {
  const res = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE gateway_id = $1`, [gatewayId]);
  return res.rows[0]!.n;
}
