import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveCloudConfig } from '../config/resolve.js';
import { listVitalPartitions } from '../storage/partitions.js';
import { silentLogger } from '../testing/logger.js';
import { startServiceLifecycle } from './service-lifecycle.js';
import { useLifecycleDatabase } from './testing/db.js';
import { NOW } from './testing/harness.js';
import { ManualClock } from './testing/manual-clock.js';

const db = useLifecycleDatabase();
const dataDir = mkdtempSync(join(tmpdir(), 'wl-service-lifecycle-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('startServiceLifecycle', () => {
  it('makes the partitions at start, serves the lifecycle metrics on the given registry, and stops cleanly', async () => {
    const config = resolveCloudConfig({ env: { WARDLINK_DATA_DIR: dataDir, WARDLINK_PARTITION_PREMAKE_DAYS: '3', WARDLINK_DB_VOLUME_BYTES: String(1024 ** 4) } });
    const registry = new Registry();
    const lifecycle = startServiceLifecycle({ pool: db.pool, config, logger: silentLogger, registry, clock: new ManualClock(NOW) });
    try {
      await lifecycle.scheduler.ready;
      expect((await listVitalPartitions(db.pool)).map((p) => p.from.toISOString().slice(0, 10))).toEqual(['2030-06-15', '2030-06-16', '2030-06-17', '2030-06-18']);
      expect(lifecycle.context.store.description).toBe(`local:${join(dataDir, 'archive')}`);
      const text = await registry.metrics();
      expect(text).toMatch(/wardlink_cloud_db_volume_used_ratio \d/);
      expect(text).toContain('wardlink_cloud_partition_range_alert{kind="missing-partition"} 0');
      expect(text).toContain('wardlink_cloud_lifecycle_job_runs_total{job="maintenance",outcome="ok"} 1');
      await lifecycle.scheduler.runCycle();
      expect(await registry.metrics()).toMatch(/wardlink_cloud_lifecycle_job_runs_total\{job="retention",outcome="ok"\} 1/);
    } finally {
      await lifecycle.stop();
    }
  });
});
