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
});
