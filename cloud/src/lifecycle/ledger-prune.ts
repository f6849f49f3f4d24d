/**
 * Prunes batch_ledger rows received before the hospital's hot period (8 days at least). The ledger is the
 * exactly-once guard; a gateway retries a batch for minutes or hours, never for months,
 * so its rows are only needed while the batch could still come back. Each gateway's
 * highest pruned sequence is kept (gateways.ledger_pruned_through_seq) in the same
 * transaction as the delete: a batch at or below it that is not in the ledger is refused
 * as expired (ingest/ledger.ts), never stored twice.
 */
import { dayStartMs, utcDay } from '../storage/utc-days.js';
import { withTransaction } from '../storage/pool.js';
import type { LifecycleContext } from './context.js';
import { listPolicies } from './policy.js';

/** The capacity report reads the last 7 days' ingest rate from the ledger: keep 8 at least. */
const MIN_KEEP_DAYS = 8;

export interface LedgerPruneResult {
  /** Ledger rows deleted, over every hospital. */
  rows: number;
  hospitals: Array<{ hospitalId: string; receivedBefore: string; rows: number; gateways: number }>;
}

export async function pruneLedger(ctx: LifecycleContext): Promise<LedgerPruneResult> {
  const today = utcDay(ctx.clock.now());
  const result: LedgerPruneResult = { rows: 0, hospitals: [] };
  for (const policy of await listPolicies(ctx.pool)) {
    const receivedBefore = new Date(dayStartMs(today - Math.max(policy.hotDays, MIN_KEEP_DAYS) + 1));
    const marks = await withTransaction(ctx.pool, async (client) => {
      // Two statements in one transaction, not one with the DELETE in a CTE: Citus cannot
      // update gateways (a reference table) from a select on batch_ledger (distributed).
      // The first runs on the hospital's shard and sends back one row per gateway.
      const pruned = await client.query<{ gateway_id: string; seq: string; rows: string; created: Date }>(
        `WITH pruned AS (
           DELETE FROM batch_ledger WHERE hospital_id = $1 AND received_at < $2 RETURNING gateway_id, batch_seq, created_at
         )
         SELECT gateway_id, max(batch_seq)::text AS seq, count(*)::text AS rows, max(created_at) AS created FROM pruned GROUP BY gateway_id`,
        [policy.hospitalId, receivedBefore],
      );
      if (pruned.rows.length === 0) return [];
      const marked = await client.query<{ gateway_id: string }>(
        `UPDATE gateways g SET ledger_pruned_through_seq = greatest(g.ledger_pruned_through_seq, m.seq),
                ledger_pruned_created_at = greatest(g.ledger_pruned_created_at, m.created)
         FROM unnest($2::text[], $3::bigint[], $4::timestamptz[]) AS m(gateway_id, seq, created) WHERE g.hospital_id = $1 AND g.gateway_id = m.gateway_id
         RETURNING g.gateway_id`,
        [policy.hospitalId, pruned.rows.map((m) => m.gateway_id), pruned.rows.map((m) => m.seq), pruned.rows.map((m) => m.created)],
      );
      const updated = new Set(marked.rows.map((m) => m.gateway_id));
      return pruned.rows.filter((m) => updated.has(m.gateway_id));
    });
    const rows = marks.reduce((n, m) => n + Number(m.rows), 0);
    if (rows === 0) continue;
    result.rows += rows;
    result.hospitals.push({ hospitalId: policy.hospitalId, receivedBefore: receivedBefore.toISOString(), rows, gateways: marks.length });
    ctx.progress({ job: 'retention', step: 'ledger-pruned', subject: policy.hospitalId, rows });
  }
  if (result.rows > 0) ctx.logger.info({ rows: result.rows, hospitals: result.hospitals.length }, 'pruned batch ledger rows past the hot period');
  return result;
}
