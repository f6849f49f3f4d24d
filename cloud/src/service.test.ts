/**
 * The zero-config default: without DATABASE_URL the service runs its own PostgreSQL in
 * the data folder, migrates it, serves batches, lets the admin CLI reach the same
 * cluster while it runs, and stops it on the way out.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '@wardlink/shared';
import { postBatch } from './api/testing/service.js';
import { runCli } from './cli/program.js';
import { resolveCloudConfig } from './config/resolve.js';
import { batchOf, simulatedWard, T0 } from './ingest/testing/batches.js';
import { CloudService, readServeRuntime } from './service.js';
import { isAlive } from './storage/embedded-support.js';
import { listVitalPartitions } from './storage/partitions.js';
import { createTestLogger } from './testing/logger.js';

const base = mkdtempSync(join(tmpdir(), 'wl-service-'));
chmodSync(base, 0o755); // the "postgres" system user must reach the data folder when run as root
const dataDir = join(base, 'data');
let service: CloudService | undefined;
afterAll(async () => {
  await service?.stop();
  rmSync(base, { recursive: true, force: true });
});

describe('CloudService without DATABASE_URL', () => {
  it('runs an embedded PostgreSQL in the data folder, serves, shares it with the CLI, and stops it', async () => {
    const config = resolveCloudConfig({ env: {}, overrides: { dataDir, server: { host: '127.0.0.1', port: 0 } } });
    service = await CloudService.start(config, { logger: createTestLogger().logger });
    expect((await fetch(`${service.url}/readyz`)).status).toBe(200); // migrated on its own

    // The lifecycle runs inside the service: partitions premade at start, metrics served.
    await service.lifecycle?.scheduler.ready;
    const partitions = await listVitalPartitions(service.pools.primary);
    expect(partitions.length).toBeGreaterThanOrEqual(config.retention.partitionPremakeDays + 1);
    const metricsText = await (await fetch(`${service.url}/metrics`)).text();
    expect(metricsText).toContain('wardlink_cloud_lifecycle_job_runs_total{job="maintenance",outcome="ok"} 1');
    expect(metricsText).toContain('wardlink_cloud_partition_range_alert{kind="missing-partition"} 0');
    expect(service.lifecycle?.context.store.description).toBe(`local:${join(dataDir, 'archive')}`);

    const runtime = await readServeRuntime(dataDir);
    expect(runtime?.pid).toBe(process.pid);
    const out: string[] = [];
    const code = await runCli(['gateway', 'add', '--hospital', 'h-emb', '--ward', 'w1', '--json'], {
      out: { json: true, stdout: (t) => out.push(t), stderr: (t) => out.push(t) },
      env: { WARDLINK_DATA_DIR: dataDir },
    });
    expect(code).toBe(0);
    const { token, gatewayId } = JSON.parse(out.join('')) as { token: string; gatewayId: string };

    const res = await postBatch(service.url, encodeBatch(batchOf(simulatedWard(gatewayId, 5), 1, T0)), token);
    expect(res.status).toBe(200);
    expect(res.body.storedReadings).toBeGreaterThan(0);

    const postmaster = Number(readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    await service.stop();
    service = undefined;
    expect(existsSync(join(dataDir, 'serve-runtime.json'))).toBe(false);
    for (let i = 0; i < 100 && isAlive(postmaster); i++) await new Promise((r) => setTimeout(r, 50));
    expect(isAlive(postmaster)).toBe(false);
  }, 60_000);
});
