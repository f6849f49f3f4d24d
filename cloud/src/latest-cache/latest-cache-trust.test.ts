/** When the latest-vitals cache trusts itself: only while its heartbeat NOTIFYs come back
 * through a real LISTEN connection (real PostgreSQL; the cache's clock is manual so the
 * silence is the test's to decide). */
import pg from 'pg';
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

/** What the loader does: change the row and NOTIFY (notifyLatest, its own statement) in
 * one transaction. (The new t is computed here: Citus refuses `t + interval`, a STABLE
 * function of a column, in an UPDATE.) */
async function changeHr(hospitalId: string, value: number): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query('BEGIN');
    const row = await client.query<{ t: Date }>(`SELECT t FROM latest_vitals WHERE hospital_id = $1 AND bed_id = 'bed-1' AND metric = ${HR}`, [hospitalId]);
    const t = row.rows[0]!.t.getTime() + 1_000;
    await client.query(`UPDATE latest_vitals SET value = $2, t = $3 WHERE hospital_id = $1 AND bed_id = 'bed-1' AND metric = ${HR}`, [hospitalId, value, new Date(t)]);
    await notifyLatest(client, { hospitalId, gatewayId: `${hospitalId}-gw`, fromMs: t, toMs: t });
    await client.query('COMMIT');
  } finally {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release();
  }
}

describe('latest-vitals cache trust', () => {
  it('answers once its heartbeat came back, follows a notified change, and stops answering when the beats stop', async () => {
    await until(() => cache.trusted);
    expect(cache.trusted).toBe(true);
    expect((await cache.lookup('ht1'))?.result).toBe('miss');
    expect((await cache.lookup('ht1'))?.result).toBe('hit');

    await changeHr('ht1', 55);
    await until(async () => (await cache.lookup('ht1'))?.data.latestOf('P1').find((r) => r.metric === HR)?.value === 55);
    expect((await cache.lookup('ht1'))?.data.latestOf('P1').find((r) => r.metric === HR)?.value).toBe(55);

    // The connection goes away without a resync: after the silence, the database answers.
    await listener.stop();
    clock.advance(2_000);
    expect(cache.trusted).toBe(false);
    expect(await cache.lookup('ht1')).toBeUndefined();
  });
});

describe('how far behind a read may answer', () => {
  // A read pool of ONE connection, held by the test while it wants a refresh to wait (as a
  // pool saturated under ingest makes it wait).
  let readPool: pg.Pool;
  let behind: LatestVitalsCache;
  let behindListener: LatestListener;
  let notified = 0;
  const hrOf = (r: Awaited<ReturnType<LatestVitalsCache['lookup']>>) => r?.data.latestOf('P1').find((x) => x.metric === HR)?.value;
  const settled = <T>(p: Promise<T>) => Promise.race([p.then(() => true), new Promise<false>((r) => setTimeout(() => r(false), 300))]);

  beforeAll(async () => {
    await seedHospital(db.pool, 'ht2', 2, new Date(Date.now() - 60_000));
    readPool = new pg.Pool({ connectionString: db.connectionString, max: 1 });
    const { logger } = createTestLogger('debug');
    behind = new LatestVitalsCache({ pool: readPool, notifyPool: db.pool, clock, logger, maxHospitals: 4, heartbeatMs: 500, maxBehindMs: 250 });
    behindListener = new LatestListener({
      connectionString: db.connectionString,
      clock: systemClock,
      logger,
      onChange: (c) => {
        behind.onChange(c);
        if (c.hospitalId === 'ht2') notified++;
      },
      onResync: () => behind.resync(),
    });
    behindListener.start();
    behind.start();
  });
  afterAll(async () => {
    behind?.stop();
    await behindListener?.stop();
    await readPool?.end();
  });

  it('answers at once without a change notified less than maxBehindMs ago; waits past it, and a strict read always waits', async () => {
    await until(() => behind.trusted);
    expect((await behind.lookup('ht2'))?.result).toBe('miss');
    expect(hrOf(await behind.lookup('ht2'))).toBe(72);

    const held = await readPool.connect(); // the refresh now waits for the connection
    let release = () => held.release();
    try {
      await changeHr('ht2', 61);
      await until(() => notified === 1);
      const young = await behind.lookup('ht2'); // the change arrived just now: no waiting
      expect(young?.result).toBe('hit');
      expect(hrOf(young)).toBe(72);
      const strict = behind.lookup('ht2', { strict: true });
      expect(await settled(strict)).toBe(false); // waits for the refresh
      clock.advance(300); // the change is now older than maxBehindMs
      const old = behind.lookup('ht2');
      expect(await settled(old)).toBe(false);
      release();
      release = () => undefined;
      expect(hrOf(await strict)).toBe(61);
      expect(hrOf(await old)).toBe(61);
      expect((await old)?.result).toBe('miss');
    } finally {
      release();
    }
  });
});
