/**
 * The batch ledger: the service's only idempotency state. Claiming a batch inserts its
 * (hospital, gateway, seq) row first thing in the load transaction. If the row exists
 * the batch was stored before (a retry after a timeout, a replay): nothing else is done.
 * A concurrent duplicate blocks on the key until the first transaction ends, then finds
 * the row (first committed) or claims it (first rolled back): exactly once either way.
 */
import type pg from 'pg';

export interface LedgerEntry {
  hospitalId: string;
  gatewayId: string;
  seq: number;
  createdAtMs: number;
  readings: number;
  alarms: number;
  minTMs: number | undefined;
  maxTMs: number | undefined;
  traceId: string | undefined;
}

/** True when this transaction claimed the batch; false when it was stored before. */
export async function claimBatch(client: pg.PoolClient, e: LedgerEntry): Promise<boolean> {
  const res = await client.query(
    `INSERT INTO batch_ledger (hospital_id, gateway_id, batch_seq, created_at, readings, alarms, min_t, max_t, trace_id)
     VALUES ($1, $2, $3, to_timestamp($4::float8 / 1000), $5, $6, to_timestamp($7::float8 / 1000), to_timestamp($8::float8 / 1000), $9)
     ON CONFLICT (hospital_id, gateway_id, batch_seq) DO NOTHING`,
    [e.hospitalId, e.gatewayId, e.seq, e.createdAtMs, e.readings, e.alarms, e.minTMs ?? null, e.maxTMs ?? null, e.traceId ?? null],
  );
  return res.rowCount === 1;
}
