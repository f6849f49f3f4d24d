import { afterEach, describe, expect, it } from 'vitest';
import { wardReadings } from '../buffer/testing/fixtures.js';
import { uplinkMigrations } from './series-dictionary.js';
import { startFakeCloud, type FakeCloud } from './testing/fake-cloud.js';
import { createUplinkHarness, type UplinkHarness } from './testing/harness.js';

let h: UplinkHarness | undefined;
let cloud: FakeCloud | undefined;
afterEach(async () => {
  await h?.close();
  await cloud?.close();
});

// Found in review: any error while preparing a batch quarantined it for good, also a
// passing failure to store its new series dictionary entries (disk full, I/O error).
describe('a failed write while numbering new series', () => {
  it('leaves the batch pending and retried, never quarantined: every reading reaches the cloud', async () => {
    cloud = await startFakeCloud(() => h!.clock.now());
    h = createUplinkHarness({ url: cloud.url, maxBatchReadings: 500, maxBatchAgeMs: 1000, concurrency: 1 }, { extraMigrations: uplinkMigrations });
    const db = h.store.db;
    db.exec(`CREATE TABLE fail_dictionary (x INTEGER); INSERT INTO fail_dictionary VALUES (1);
      CREATE TRIGGER dictionary_write_fails BEFORE INSERT ON uplink_dictionary_entries WHEN (SELECT count(*) FROM fail_dictionary) > 0
      BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;`);
    await h.append(wardReadings(0, 500));
    h.uplink.start();
    await h.runUntil(() => h!.uplink.status().batchesQuarantined > 0 || h!.uplink.status().lastError !== null);
    expect(h.uplink.status().lastError).toMatchObject({ code: 'WL_UPLINK_DICTIONARY_WRITE', kind: 'retry' });
    expect(cloud.readingCounts().size).toBe(0);

    db.exec('DELETE FROM fail_dictionary'); // the disk has room again
    await h.append(wardReadings(500, 1000));
    await h.runUntil(() => h!.uplink.status().backlogReadings === 0 && h!.uplink.status().inFlight === 0);
    expect(h.uplink.status().batchesQuarantined).toBe(0);
    expect(cloud.readingCounts().size).toBe(1000);
  });
});
