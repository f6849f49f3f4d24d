/**
 * A gateway buffer that lost its last commits (a power cut under durability=normal, a
 * restore from a copy) hands out sequence numbers the cloud has already stored. The real
 * cloud refuses such a batch (409 WL_API_BATCH_SEQ_REUSED, with its highest seq), and the
 * uplink renumbers it above that and sends it again: every reading stored once, none
 * dropped as a "duplicate" (readings sent before are recognised by their natural key).
 * Batch building commits durably, so this needs an older copy of the file; the test
 * rewinds the outbox by hand as such a copy would have it.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase, checkCloud, registerGateway, spawnCloud, type CloudProcess } from '@wardlink/cloud/testing';
import { uplinkMigrations } from '@wardlink/gateway';
import { wardReadings, createUplinkHarness, type UplinkHarness } from '@wardlink/gateway/testing';

const db = useTestDatabase();
let cloud: CloudProcess;
let h: UplinkHarness | undefined;

beforeAll(async () => {
  cloud = await spawnCloud(db.connectionString);
});
afterEach(async () => {
  await h?.close();
  h = undefined;
});
afterAll(async () => {
  await cloud?.kill();
});

const drained = () => h!.uplink.status().backlogReadings === 0 && h!.uplink.status().inFlight === 0;

describe('a gateway that reuses a batch sequence the cloud has stored', () => {
  it('gets 409, renumbers the batch above the cloud\'s highest seq, and every reading is stored once', async () => {
    const gw = 'gw-seq-reuse';
    const token = await registerGateway(db.pool, gw);
    h = createUplinkHarness({ url: cloud.url, token, maxBatchReadings: 500, concurrency: 2 }, { gatewayId: gw, extraMigrations: uplinkMigrations });
    const first = wardReadings(0, 3_000, 10, gw);
    await h.append(first);
    h.uplink.start();
    await h.runUntil(drained, { stepMs: 100, realTimeoutMs: 30_000 });
    const highest = Number(h.store.getMeta('next_batch_seq')) - 1;
    expect(highest).toBeGreaterThanOrEqual(6);

    // The rollback, as a restore of an older copy of the file would leave it: batches 2..
    // were never built (their readings unbatched again) and seq 2 is handed out next.
    const file = h.store.db;
    const one = file.prepare('SELECT first_reading_id AS first, last_reading_id AS last FROM outbox_batches WHERE seq = 1').get() as { first: number; last: number };
    file.transaction(() => {
      file.prepare('DELETE FROM outbox_batches WHERE seq >= 2').run();
      file.prepare('DELETE FROM outbox_spans').run();
      file.prepare('INSERT INTO outbox_spans (first_id, last_id) VALUES (?, ?)').run(one.first, one.last);
      h!.store.setMeta('next_batch_seq', '2');
    })();
    const second = wardReadings(3_000, 4_000, 10, gw);
    await h.append(second);
    await h.runUntil(drained, { stepMs: 100, realTimeoutMs: 30_000 });
    expect(await checkCloud(db.pool, gw, [...first, ...second])).toEqual({ expected: 4_000, stored: 4_000, missing: 0, wrong: 0, duplicated: 0 });
    expect(h.logger.lines.filter((l) => l.msg.includes('renumbered and sent again')).length).toBeGreaterThanOrEqual(1);
    expect(h.uplink.status()).toMatchObject({ batchesQuarantined: 0 });
    expect(Number(h.store.getMeta('next_batch_seq'))).toBeGreaterThan(highest + 1);
  });
});
