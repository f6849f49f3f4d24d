/**
 * The batch ledger: the service's only idempotency state. Claiming a batch inserts its
 * (hospital, gateway, seq) row first thing in the load transaction. If the row exists
 * the batch was stored before (a retry after a timeout, a replay): nothing else is done.
 * A concurrent duplicate blocks on the key until the first transaction ends, then finds
 * the row (first committed) or claims it (first rolled back): exactly once either way.
 *
 * The lifecycle prunes ledger rows past the hot period and records, per gateway, the
 * highest sequence pruned. A batch at or below that watermark that is not in the ledger
 * any more cannot be told apart from a replay: it is refused (BatchExpiredError, 422).
 *
 * A replay is the same batch: the same creation time, which the gateway keeps with the
 * batch and sends unchanged. A stored sequence with another creation time is a gateway
 * that numbered new readings with a sequence it had already used (its buffer lost its last
 * commits): refused (BatchSeqReusedError, 409), never answered as a duplicate, which would
 * drop those readings.
 */
import type pg from 'pg';
import { BatchExpiredError, BatchSeqReusedError } from '@wardlink/shared';

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

/**
 * True when this transaction claimed the batch; false when it was stored before.
 * Throws BatchExpiredError for a batch below the pruned watermark that is not in the
 * ledger. The common path is one statement; the watermark check is a primary-key probe.
 */
export async function claimBatch(client: pg.PoolClient, e: LedgerEntry): Promise<boolean> {
  const res = await client.query(
    `INSERT INTO batch_ledger (hospital_id, gateway_id, batch_seq, created_at, readings, alarms, min_t, max_t, trace_id)
     SELECT $1::text, $2::text, $3::bigint, to_timestamp($4::float8 / 1000), $5::integer, $6::integer,
            to_timestamp($7::float8 / 1000), to_timestamp($8::float8 / 1000), $9::text
     WHERE NOT EXISTS (SELECT 1 FROM gateways g WHERE g.hospital_id = $1 AND g.gateway_id = $2 AND g.ledger_pruned_through_seq >= $3::bigint)
     ON CONFLICT (hospital_id, gateway_id, batch_seq) DO NOTHING
     RETURNING 1`,
    [e.hospitalId, e.gatewayId, e.seq, e.createdAtMs, e.readings, e.alarms, e.minTMs ?? null, e.maxTMs ?? null, e.traceId ?? null],
  );
  // Counted by RETURNING: Citus reports an INSERT ... SELECT's selected rows as its
  // rowCount, so a batch stored before would look newly claimed.
  if (res.rows.length === 1) return true;
  const known = await client.query<{ stored: boolean; same: boolean; watermark: string | null; highest: string | null; after_pruned: boolean | null }>(
    `SELECT EXISTS (SELECT 1 FROM batch_ledger WHERE hospital_id = $1 AND gateway_id = $2 AND batch_seq = $3) AS stored,
            EXISTS (SELECT 1 FROM batch_ledger WHERE hospital_id = $1 AND gateway_id = $2 AND batch_seq = $3
                    AND created_at = to_timestamp($4::float8 / 1000)) AS same,
            (SELECT ledger_pruned_through_seq::text FROM gateways WHERE hospital_id = $1 AND gateway_id = $2) AS watermark,
            -- Above the pruned watermark too: a seq at or below it would be refused as expired.
            greatest((SELECT max(batch_seq) FROM batch_ledger WHERE hospital_id = $1 AND gateway_id = $2),
                     (SELECT ledger_pruned_through_seq FROM gateways WHERE hospital_id = $1 AND gateway_id = $2))::text AS highest,
            -- Created after every pruned batch: not a replay of one (migration 014).
            (SELECT to_timestamp($4::float8 / 1000) > ledger_pruned_created_at FROM gateways WHERE hospital_id = $1 AND gateway_id = $2) AS after_pruned`,
    [e.hospitalId, e.gatewayId, e.seq, e.createdAtMs],
  );
  const row = known.rows[0]!;
  if (row.stored && row.same) return false;
  if (row.stored || row.after_pruned === true) throw new BatchSeqReusedError(e.gatewayId, e.seq, Number(row.highest ?? e.seq));
  throw new BatchExpiredError(e.gatewayId, e.seq, Number(row.watermark ?? 0));
}
