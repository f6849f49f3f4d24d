import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Registry } from 'prom-client';
import { createWard } from '@wardlink/simulator';
import { loadBatch } from '../ingest/loader.js';
import { registerGateway } from '../ingest/testing/batches.js';
import { silentLogger } from '../testing/logger.js';
import { DAY_MS, isoDate } from '../storage/utc-days.js';
import { createLifecycleContext } from './context.js';
import { LifecycleMetrics } from './metrics.js';
import { startLifecycleScheduler, type LifecycleScheduler } from './scheduler.js';
import { useLifecycleDatabase } from './testing/db.js';
import { createHarness, NOW, TODAY, type Harness } from './testing/harness.js';

const db = useLifecycleDatabase();
let h: Harness;
let scheduler: LifecycleScheduler | undefined;
const registry = new Registry();

beforeAll(async () => {
  h = createHarness(db.pool);
  await registerGateway(db.pool, 'h-range', 'icu', 'gw-range');
});
afterAll(async () => {
  await scheduler?.stop();
  h?.cleanup();
});

const errors = () => h.log.entries().filter((e) => e.level === 50 && e.alert === 'partition-range');
const gauge = async (kind: string) => {
  const metric = await registry.getSingleMetric('wardlink_cloud_partition_range_alert')!.get();
  return metric.values.find((v) => v.labels.kind === kind)?.value;
};

describe('rows outside the premade range are neither lost nor silent', () => {
  it('starts quiet once maintenance has made the partitions', async () => {
    const metrics = new LifecycleMetrics(registry);
    const ctx = createLifecycleContext({ ...h.ctx, metrics });
    scheduler = startLifecycleScheduler(ctx, { cron: '0 0 1 1 *', retention: false });
    await scheduler.ready;
    expect(errors()).toEqual([]);
    expect(await gauge('beyond-premade-range')).toBe(0);
    expect(await gauge('missing-partition')).toBe(0);
  });

  it('stores readings from a device clock 60 days ahead, and alerts within one 30 s check', async () => {
    const ahead = NOW + 60 * DAY_MS;
    const ward = createWard({ beds: 4, seed: 3, startMs: ahead - 60_000, gatewayId: 'gw-range' });
    const readings = ward.readingsBetween(ahead, ahead + 10_000);
    const loaded = await loadBatch(db.pool, { hospitalId: 'h-range', gatewayId: 'gw-range', wardId: 'icu' }, { gatewayId: 'gw-range', seq: 1, createdAtMs: NOW, alarms: [], readings }, { logger: silentLogger });
    expect(loaded.storedReadings).toBe(readings.length);
    const stored = await db.pool.query('SELECT count(*)::int AS n FROM vital_data WHERE t >= $1', [new Date(ahead)]);
    expect(stored.rows[0].n).toBe(readings.length); // not lost: the loader made the day's partition

    expect(errors()).toEqual([]);
    h.clock.advance(30_000); // the scheduler's range check fires
    await vi.waitFor(() => expect(errors().map((e) => e.kind).sort()).toEqual(['beyond-premade-range', 'future-rows']), { timeout: 5_000 });
    const beyond = errors().find((e) => e.kind === 'beyond-premade-range')!;
    expect(beyond.rows).toBe(readings.length);
    expect(beyond.subjects).toEqual([`vital_data_p${isoDate(TODAY + 60).replaceAll('-', '')}`]);
    expect(await gauge('beyond-premade-range')).toBe(1);
    expect(await gauge('future-rows')).toBe(1);

    // Logged once, not every 30 s while nothing changes.
    h.clock.advance(30_000);
    await scheduler!.rangeMonitor.check();
    expect(errors()).toHaveLength(2);
  });

  it('alerts when the partition for incoming data is missing', async () => {
    await db.pool.query(`DROP TABLE vital_data_p${isoDate(TODAY + 1).replaceAll('-', '')}`);
    h.clock.advance(30_000);
    await vi.waitFor(() => expect(errors().some((e) => e.kind === 'missing-partition')).toBe(true), { timeout: 5_000 });
    expect(errors().find((e) => e.kind === 'missing-partition')!.subjects).toEqual([isoDate(TODAY + 1)]);
    expect(await gauge('missing-partition')).toBe(1);
    // A scheduled cycle's maintenance puts it back, and the alert clears.
    await scheduler!.runCycle();
    expect(await gauge('missing-partition')).toBe(0);
    expect(h.log.entries().some((e) => e.kind === 'missing-partition' && /cleared/.test(String(e.msg)))).toBe(true);
  });
});
