import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../storage/utc-days.js';
import { alertOnCapacity, capacityReport } from './capacity.js';
import { runCompaction } from './compaction/compaction-job.js';
import { createLifecycleContext } from './context.js';
import { LifecycleMetrics } from './metrics.js';
import { useLifecycleDatabase } from './testing/db.js';
import { addHospitals, createHarness, insertDays, NOW, TODAY, type Harness } from './testing/harness.js';

const db = useLifecycleDatabase();
let h: Harness;
beforeAll(async () => {
  h = createHarness(db.pool);
  await addHospitals(db.pool, 30);
  await insertDays(db.pool, TODAY - 9, TODAY - 1, 2_000);
  await db.pool.query('ANALYZE vital_data');
});
afterAll(() => h?.cleanup());

describe('capacity', () => {
  it('reports rows and bytes per partition, bytes per reading, and the rate from the partitions when the ledger is empty', async () => {
    const r = await capacityReport(h.ctx);
    expect(r.partitions).toHaveLength(9);
    expect(r.partitions.every((p) => p.rows === 2_000 && p.bytes > 2_000 * 50)).toBe(true);
    expect(r.hotRows).toBe(18_000);
    expect(r.bytesPerReading).toBeCloseTo(r.hotBytes / 18_000, 6);
    expect(r.ingest).toMatchObject({ source: 'partitions', readingsPerDay: 2_000, windowDays: 7 });
    expect(r.projection.hotDays).toBe(30);
    // Nothing compacted yet: rows as measured for the last hours, blocks at the benchmark's figure.
    expect(r.tiers.blocks).toMatchObject({ readings: 0, measured: false, bytesPerReading: 2.2 });
    expect(r.tiers.rows.readings).toBe(18_000);
    const rowHours = 2 + 10 / 60;
    expect(r.projection.rowHours).toBeCloseTo(rowHours, 6);
    expect(r.projection.hotStoreBytes).toBeCloseTo(2_000 * (rowHours / 24) * r.tiers.rows.bytesPerReading! + 2_000 * (30 - rowHours / 24) * 2.2, 0);
    expect(r.archive.measured).toBe(false);
    expect(r.volume).toMatchObject({ bytes: 0, usedPct: null, fullDate: null });
    expect(r.alerts).toEqual([]);
    if (process.env.WARDLINK_TEST_CITUS === '1') {
      // Capacity per node: the shards' bytes are on the 2 workers, and the database is every node's.
      const workers = r.nodes!.filter((n) => n.role === 'worker');
      expect(workers).toHaveLength(2);
      expect(workers.every((n) => n.shards > 0 && n.shardBytes > 0 && n.databaseBytes! > 0)).toBe(true);
      expect(workers.reduce((n, w) => n + w.shardBytes, 0)).toBeGreaterThanOrEqual(r.hotBytes);
      expect(r.databaseBytes).toBe(r.nodes!.reduce((n, x) => n + x.databaseBytes!, 0));
    } else expect(r.nodes).toBeUndefined();
  });

  it('takes the ingest rate from the batch ledger, projects the fill date and alerts above the threshold', async () => {
    // 7 days of batches: 864,000 readings a day = 10 readings/s.
    await db.pool.query(
      `INSERT INTO batch_ledger (hospital_id, gateway_id, batch_seq, received_at, readings, alarms)
       SELECT 'h-north', 'gw', s, $1::timestamptz - (s * interval '1 hour'), 36000, 0 FROM generate_series(1, 7 * 24) s`,
      [new Date(NOW)],
    );
    const { databaseBytes, nodes } = await capacityReport(h.ctx);
    // 85% used now; on Citus the setting is each node's volume and the database's is their sum.
    const volume = Math.round(databaseBytes / 0.85 / (nodes?.length ?? 1));
    const ctx = createLifecycleContext({ ...h.ctx, settings: { ...h.ctx.settings, dbVolumeBytes: volume } });
    const r = await capacityReport(ctx);
    expect(r.ingest.source).toBe('ledger');
    expect(r.ingest.readingsPerSecond).toBeCloseTo(10, 1);
    expect(r.volume.usedPct).toBeCloseTo(85, 0);
    const daily = r.projection.dailyGrowthBytes!;
    expect(daily).toBeCloseTo(864_000 * r.tiers.blocks.bytesPerReading!, -3); // a full hot store grows by compacted days
    // 30 hot days of 864,000 readings do not fit: the fill date is when the remaining 15% is used.
    const expectedDays = (r.volume.bytes - r.databaseBytes) / daily; // volume x nodes on Citus
    expect(r.volume.fullDate).toBe(new Date(NOW + expectedDays * DAY_MS).toISOString().slice(0, 10));
    // On Citus, nodes at or above the threshold of their own volume alert too (capacity-nodes.test.ts).
    const nodeAlerts = (r.nodes ?? []).filter((n) => n.usedPct! >= 80).map((n) => `${n.host}:${n.port}`);
    expect(r.alerts.filter((a) => a.kind === 'node-above-threshold').map((a) => a.node)).toEqual(nodeAlerts);
    expect(r.alerts.filter((a) => a.kind !== 'node-above-threshold').map((a) => a.kind).sort()).toEqual(['projected-above-threshold', 'volume-above-threshold']);
    alertOnCapacity(ctx, r);
    expect(h.log.entries().filter((e) => e.level === 50 && e.alert === 'capacity')).toHaveLength(2 + nodeAlerts.length);
  });

  it('exposes the figures as Prometheus metrics, computed at scrape time', async () => {
    const registry = new Registry();
    let calls = 0;
    const metrics = new LifecycleMetrics(registry, { capacity: () => (calls++, capacityReport(h.ctx)), capacityTtlMs: 60_000, now: () => h.clock.now() });
    const text = await registry.metrics();
    expect(text).toMatch(/wardlink_cloud_hot_store_readings \d+/);
    expect(text).toMatch(/wardlink_cloud_bytes_per_reading \d+(\.\d+)?/);
    expect(text).toMatch(/wardlink_cloud_ingest_readings_per_second 10(\.\d+)?/);
    expect(text).toMatch(/wardlink_cloud_partition_bytes\{partition="vital_data_p\d{8}"\} \d+/);
    expect(text).toContain('wardlink_cloud_partition_range_alert{kind="missing-partition"} 0');
    await registry.metrics();
    expect(calls).toBe(1); // one report per TTL, however many gauges and scrapes
    metrics.recordJob('retention', 'ok', NOW);
    expect(await registry.metrics()).toContain('wardlink_cloud_lifecycle_job_runs_total{job="retention",outcome="ok"} 1');
  });

  it('measures each tier once days are compacted: the same readings, counted exactly, in fewer bytes', async () => {
    const before = await capacityReport(h.ctx);
    const run = await runCompaction(h.ctx);
    expect(run.ran && run.value.readings).toBe(18_000);
    const r = await capacityReport(h.ctx);
    expect(r.hotRows).toBe(18_000);
    expect(r.hotRowsExact).toBe(true);
    expect(r.tiers.rows.readings).toBe(0);
    expect(r.tiers.blocks).toMatchObject({ readings: 18_000, measured: true });
    expect(r.partitions.every((p) => p.blockReadings === 2_000 && p.rows === 0)).toBe(true);
    expect(r.tiers.blocks.bytesPerReading!).toBeCloseTo(r.tiers.blocks.bytes / 18_000, 6);
    expect(r.hotBytes).toBe(r.tiers.rows.bytes + r.tiers.blocks.bytes);
    // The rows' partitions were vacuumed and their indexes rebuilt once emptied.
    expect(r.tiers.rows.bytes).toBeLessThan(before.tiers.rows.bytes / 4);
    // (These test days are sparse, ~one reading per series and hour, where a block costs
    // about what rows did; pnpm bench compaction measures a ward's real mix.)
  });
});
