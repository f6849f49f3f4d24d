import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVitalPartitions } from '../storage/partitions.js';
import { isoDate, utcDay } from '../storage/utc-days.js';
import { createLifecycleContext } from './context.js';
import { runPartitionMaintenance } from './maintenance.js';
import { useLifecycleDatabase } from './testing/db.js';
import { createHarness, type Harness } from './testing/harness.js';
import { ManualClock } from './testing/manual-clock.js';

const db = useLifecycleDatabase();
let h: Harness;
beforeAll(() => {
  h = createHarness(db.pool);
});
afterAll(() => h?.cleanup());

const names = async () => (await listVitalPartitions(db.pool)).map((p) => p.name);

describe('partition maintenance', () => {
  it('creates today and the premade days in UTC, and is idempotent', async () => {
    // 23:30 UTC: still "today" in UTC whatever the server's or the host's time zone says.
    h.clock.set(Date.UTC(2033, 2, 26, 23, 30));
    const first = await runPartitionMaintenance(h.ctx);
    expect(first.ran).toBe(true);
    expect(first.fromDay).toBe('2033-03-26');
    expect(first.toDay).toBe('2033-04-09');
    expect(first.created).toHaveLength(15);
    const second = await runPartitionMaintenance(h.ctx);
    expect(second).toMatchObject({ ran: true, created: [], existing: 15 });
    const parts = await listVitalPartitions(db.pool);
    expect(parts.map((p) => isoDate(utcDay(p.from)))).toEqual(Array.from({ length: 15 }, (_, i) => isoDate(utcDay('2033-03-26') + i)));
    expect(parts.every((p) => p.to.getTime() - p.from.getTime() === 86_400_000 && p.from.getUTCHours() === 0)).toBe(true);
  });

  it('run from several instances at once: no deadlock, every partition created exactly once', async () => {
    const before = new Set(await names());
    const at = Date.UTC(2034, 6, 1, 12);
    const pools = Array.from({ length: 4 }, () => new pg.Pool({ connectionString: db.connectionString, max: 3 }));
    try {
      const contexts = pools.map((pool) => createLifecycleContext({ ...h.ctx, pool, clock: new ManualClock(at) }));
      const results = await Promise.all(contexts.map((c) => runPartitionMaintenance(c)));
      const created = results.flatMap((r) => r.created);
      expect(created).toHaveLength(15);
      expect(new Set(created).size).toBe(15);
      const after = (await names()).filter((n) => !before.has(n));
      expect(after.sort()).toEqual([...created].sort());
      // Whoever did not create them either found them made or skipped while another instance held the lock.
      expect(results.filter((r) => r.created.length > 0).length).toBeGreaterThanOrEqual(1);
    } finally {
      await Promise.all(pools.map((p) => p.end()));
    }
  });

  it('does not queue behind a lock on vital_data: it fails fast (lock_timeout) and the next run succeeds', async () => {
    h.clock.set(Date.UTC(2035, 0, 1, 1));
    const blocker = new pg.Client({ connectionString: db.connectionString });
    await blocker.connect();
    try {
      await blocker.query('BEGIN');
      // What a long-running ALTER or another ATTACH would hold; inserts are not blocked by it.
      await blocker.query('LOCK TABLE vital_data IN SHARE UPDATE EXCLUSIVE MODE');
      const quick = createLifecycleContext({ ...h.ctx, settings: { ...h.ctx.settings, ddlLockTimeoutMs: 150 } });
      const started = Date.now();
      await expect(runPartitionMaintenance(quick)).rejects.toMatchObject({ code: 'WL_DB_UNAVAILABLE', reason: 'lock-timeout' });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect((await runPartitionMaintenance(h.ctx)).created).toHaveLength(15);
  });
});
