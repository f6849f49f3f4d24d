/** When the latest-vitals cache trusts itself: only while its heartbeat NOTIFYs come back
 * through a real LISTEN connection (real PostgreSQL; the cache's clock is manual so the
 * silence is the test's to decide). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '@wardlink/shared';
import { LATEST_CHANNEL } from '../ingest/latest-notify.js';
import { LatestListener } from '../storage/latest-listener.js';
import { seedHospital, HR } from '../api/testing/read-fixtures.js';
import { useTestDatabase } from '../testing/pg.js';
import { createTestLogger } from '../testing/logger.js';
import { LatestVitalsCache } from './latest-vitals-cache.js';

const db = useTestDatabase();
const clock = new ManualClock(Date.now());
let cache: LatestVitalsCache;
let listener: LatestListener;

async function until(what: () => boolean | Promise<boolean>, boundMs = 5_000): Promise<void> {
  const end = Date.now() + boundMs;
  while (!(await what()) && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

beforeAll(async () => {
  await seedHospital(db.pool, 'ht1', 2, new Date(Date.now() - 60_000));
  const { logger } = createTestLogger('debug');
  cache = new LatestVitalsCache({ pool: db.pool, notifyPool: db.pool, clock, logger, maxHospitals: 4, heartbeatMs: 500 });
  listener = new LatestListener({ connectionString: db.connectionString, clock: systemClock, logger, onChange: (c) => cache.onChange(c), onResync: () => cache.resync() });
  listener.start();
  cache.start();
});
afterAll(async () => {
  cache?.stop();
  await listener?.stop();
});

describe('latest-vitals cache trust', () => {
  it('answers once its heartbeat came back, follows a notified change, and stops answering when the beats stop', async () => {
    await until(() => cache.trusted);
    expect(cache.trusted).toBe(true);
    expect((await cache.lookup('ht1'))?.result).toBe('miss');
    expect((await cache.lookup('ht1'))?.result).toBe('hit');

    // What the loader does: change the row and NOTIFY in one transaction.
    await db.pool.query(
      `WITH u AS (UPDATE latest_vitals SET value = 55, t = t + interval '1 second' WHERE hospital_id = 'ht1' AND bed_id = 'bed-1' AND metric = ${HR} RETURNING t)
       SELECT pg_notify($1, json_build_object('h', 'ht1', 'g', 'ht1-gw', 'f', (extract(epoch FROM u.t) * 1000)::bigint, 't', (extract(epoch FROM u.t) * 1000)::bigint)::text) FROM u`,
      [LATEST_CHANNEL],
    );
    await until(async () => (await cache.lookup('ht1'))?.data.latestOf('P1').find((r) => r.metric === HR)?.value === 55);
    expect((await cache.lookup('ht1'))?.data.latestOf('P1').find((r) => r.metric === HR)?.value).toBe(55);

    // The connection goes away without a resync: after the silence, the database answers.
    await listener.stop();
    clock.advance(2_000);
    expect(cache.trusted).toBe(false);
    expect(await cache.lookup('ht1')).toBeUndefined();
  });
});
