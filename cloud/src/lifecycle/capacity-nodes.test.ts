/**
 * Capacity per node on a real Citus cluster: a worker whose disk passes the alert
 * threshold raises an alert of its own, naming it, while the others stay quiet; on Citus
 * capacity.dbVolumeBytes is each node's volume. Runs only with WARDLINK_TEST_CITUS=1.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { citusCluster, citusSwitchOn, CITUS_SWITCH_ENV } from '../testing/citus-cluster.js';
import { alertOnCapacity, capacityReport } from './capacity.js';
import { createLifecycleContext } from './context.js';
import { useLifecycleDatabase } from './testing/db.js';
import { addHospitals, createHarness, insertDays, TODAY, type Harness } from './testing/harness.js';

const on = citusSwitchOn();
if (!on) console.log(`capacity-nodes.test.ts skipped: it fills one worker of a Citus cluster; run it with ${CITUS_SWITCH_ENV}=1 pnpm -s vitest run cloud/src/lifecycle/capacity-nodes.test.ts`);

describe.skipIf(!on)('capacity per node on Citus', () => {
  const db = useLifecycleDatabase();
  let h: Harness;
  beforeAll(async () => {
    h = createHarness(db.pool);
    await addHospitals(db.pool, 30);
    await insertDays(db.pool, TODAY - 2, TODAY - 1, 1_000);
  });
  afterAll(() => h?.cleanup());

  it("alerts for the worker whose disk passes the threshold, naming it, and not for the others", async () => {
    const cluster = await citusCluster();
    const full = cluster.workerPorts[0]!;
    // ~40 MB on this worker alone (a local table of its database), as a big hospital's shards would put there.
    const worker = new pg.Client({ connectionString: cluster.urlOf(full, db.name) });
    await worker.connect();
    try {
      await worker.query("CREATE TABLE filler AS SELECT repeat(md5(i::text), 40) AS pad FROM generate_series(1, 30000) i");
    } finally {
      await worker.end();
    }
    const before = await capacityReport(h.ctx);
    const fullBytes = before.nodes!.find((n) => n.port === full)!.databaseBytes!;
    const volume = Math.round(fullBytes / 0.9); // this worker at 90% of its volume
    const ctx = createLifecycleContext({ ...h.ctx, settings: { ...h.ctx.settings, dbVolumeBytes: volume, alertThresholdPct: 80 } });
    const r = await capacityReport(ctx);

    const nodeAlerts = r.alerts.filter((a) => a.kind === 'node-above-threshold');
    expect(nodeAlerts.map((a) => a.node)).toEqual([`127.0.0.1:${full}`]);
    expect(nodeAlerts[0]!.message).toMatch(/worker 127\.0\.0\.1:\d+ uses 9\d\.\d% of its \d+ B volume \(alert at 80%/);
    expect(r.nodes!.find((n) => n.port === full)!.usedPct).toBeGreaterThanOrEqual(89);
    for (const n of r.nodes!.filter((x) => x.port !== full)) expect(n.usedPct!, `${n.host}:${n.port}`).toBeLessThan(80);
    // The database's volume is every node's: 3 nodes of `volume` bytes each.
    expect(r.volume.bytes).toBe(volume * r.nodes!.length);
    expect(r.volume.usedPct).toBeCloseTo((100 * r.databaseBytes) / (volume * 3), 6);

    alertOnCapacity(ctx, r);
    const logged = h.log.entries().filter((e) => e.level === 50 && e.alert === 'capacity' && e.kind === 'node-above-threshold');
    expect(logged.map((e) => e.node)).toEqual([`127.0.0.1:${full}`]);
  });
});
