/** When the latest-vitals cache trusts itself: only while its heartbeat NOTIFYs come back
 * through a real LISTEN connection (real PostgreSQL; the cache's clock is manual so the
 * silence is the test's to decide). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from '@wardlink/shared';
import { notifyLatest } from '../ingest/latest-notify.js';
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

    // What the loader does: change the row and NOTIFY (notifyLatest, its own statement) in
    // one transaction. (The new t is computed here: Citus refuses `t + interval`, a STABLE
    // function of a column, in an UPDATE.)
    const client = await db.pool.connect();
    try {
      await client.query('BEGIN');
      const row = await client.query<{ t: Date }>(`SELECT t FROM latest_vitals WHERE hospital_id = 'ht1' AND bed_id = 'bed-1' AND metric = ${HR}`);
      const t = row.rows[0]!.t.getTime() + 1_000;
      await client.query(`UPDATE latest_vitals SET value = 55, t = $1 WHERE hospital_id = 'ht1' AND bed_id = 'bed-1' AND metric = ${HR}`, [new Date(t)]);
      await notifyLatest(client, { hospitalId: 'ht1', gatewayId: 'ht1-gw', fromMs: t, toMs: t });
      await client.query('COMMIT');
    } finally {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
    }
    await until(async () => (await cache.lookup('ht1'))?.data.latestOf('P1').find((r) => r.metric === HR)?.value === 55);
    expect((await cache.lookup('ht1'))?.data.latestOf('P1').find((r) => r.metric === HR)?.value).toBe(55);

    // The connection goes away without a resync: after the silence, the database answers.
    await listener.stop();
    clock.advance(2_000);
    expect(cache.trusted).toBe(false);
    expect(await cache.lookup('ht1')).toBeUndefined();
  });
});
