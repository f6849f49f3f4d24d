/**
 * A gateway whose buffer lost its last commits (a power cut under durability=normal, a
 * restore from a copy) can number new readings with a sequence the cloud has stored. The
 * ledger must not answer "duplicate" (the gateway would drop them): a replay is the same
 * batch, with the same creation time. (Found in review; the gateway's side is
 * e2e/src/seq-reuse.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../testing/logger.js';
import { useTestDatabase } from '../testing/pg.js';
import { loadBatch } from './loader.js';
import { batchOf, countRows, overTheWire, registerGateway, simulatedWard, T0 } from './testing/batches.js';

const db = useTestDatabase();

describe('the ledger and a reused sequence number', () => {
  it('answers a replay as a duplicate, and refuses another batch under a stored seq (409, nothing stored)', async () => {
    await registerGateway(db.pool, 'h-load', 'w1', 'gw-reuse');
    const gw = { hospitalId: 'h-load', gatewayId: 'gw-reuse', wardId: 'w1' };
    const ward = simulatedWard('gw-reuse');
    const first = overTheWire(batchOf(ward, 57, T0));
    await loadBatch(db.pool, gw, overTheWire(batchOf(ward, 60, T0 + 30_000)), { logger: silentLogger });
    expect((await loadBatch(db.pool, gw, first, { logger: silentLogger })).duplicate).toBe(false);
    expect((await loadBatch(db.pool, gw, first, { logger: silentLogger })).duplicate).toBe(true);
    const storedBefore = await countRows(db.pool, 'vital_data', 'gw-reuse');

    const rebuilt = overTheWire(batchOf(ward, 57, T0 + 60_000)); // later readings, seq 57 again
    await expect(loadBatch(db.pool, gw, rebuilt, { logger: silentLogger })).rejects.toMatchObject({ code: 'WL_API_BATCH_SEQ_REUSED', status: 409, highestSeq: 60 });
    expect(await countRows(db.pool, 'vital_data', 'gw-reuse')).toBe(storedBefore);

    // Seqs up to 100 were pruned from the ledger: renumbering at or below that would be
    // refused as expired (422, quarantined), so the answer names the watermark.
    await db.pool.query("UPDATE gateways SET ledger_pruned_through_seq = 100 WHERE gateway_id = 'gw-reuse'");
    await expect(loadBatch(db.pool, gw, rebuilt, { logger: silentLogger })).rejects.toMatchObject({ code: 'WL_API_BATCH_SEQ_REUSED', highestSeq: 100 });
  });

  it('tells a new batch under a pruned seq (a buffer restored from a copy older than the ledger keeps) from a replay of a pruned one', async () => {
    await registerGateway(db.pool, 'h-load', 'w1', 'gw-restored');
    const gw = { hospitalId: 'h-load', gatewayId: 'gw-restored', wardId: 'w1' };
    const ward = simulatedWard('gw-restored');
    const old = overTheWire(batchOf(ward, 57, T0));
    await loadBatch(db.pool, gw, old, { logger: silentLogger });
    await loadBatch(db.pool, gw, overTheWire(batchOf(ward, 100, T0 + 30_000)), { logger: silentLogger });
    // What pruneLedger leaves (lifecycle/ledger-prune.ts): the rows gone, the watermark and
    // the newest pruned creation time kept.
    // (Two statements: Citus cannot update a reference table from a distributed one.)
    const newest = await db.pool.query<{ t: Date }>("SELECT max(created_at) AS t FROM batch_ledger WHERE gateway_id = 'gw-restored'");
    await db.pool.query("UPDATE gateways SET ledger_pruned_through_seq = 100, ledger_pruned_created_at = $1 WHERE gateway_id = 'gw-restored'", [newest.rows[0]!.t]);
    await db.pool.query("DELETE FROM batch_ledger WHERE gateway_id = 'gw-restored'");

    await expect(loadBatch(db.pool, gw, old, { logger: silentLogger })).rejects.toMatchObject({ code: 'WL_API_BATCH_EXPIRED', status: 422 });
    const renumbered = overTheWire(batchOf(ward, 58, T0 + 120_000)); // built after the restore
    await expect(loadBatch(db.pool, gw, renumbered, { logger: silentLogger })).rejects.toMatchObject({ code: 'WL_API_BATCH_SEQ_REUSED', status: 409, highestSeq: 100 });
  });
});
