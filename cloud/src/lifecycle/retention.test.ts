import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listVitalPartitions } from '../storage/partitions.js';
import { isoDate, utcDay } from '../storage/utc-days.js';
import { DuckDbReader } from './archive/duckdb.js';
import { findObjects } from './archive/objects.js';
import { listAudit } from './audit.js';
import { runPartitionMaintenance } from './maintenance.js';
import { restoreRange } from './restore.js';
import { planRetention, runRetention } from './retention.js';
import { useLifecycleDatabase } from './testing/db.js';
import { addHospitals, createHarness, fingerprint, insertDays, TODAY, type Harness } from './testing/harness.js';

const db = useLifecycleDatabase();
let h: Harness;
const FIRST = TODAY - 119;
const KEPT_FROM = TODAY - 89;
const dayStart = (d: number) => new Date(d * 86_400_000);

beforeAll(async () => {
  h = createHarness(db.pool);
  await addHospitals(db.pool);
  await insertDays(db.pool, FIRST, TODAY, 240);
  await runPartitionMaintenance(h.ctx);
  // What the archive must give back, kept aside before retention drops it.
  await db.pool.query('CREATE TABLE source_snapshot AS SELECT * FROM vital_data WHERE t < $1', [dayStart(KEPT_FROM)]);
  // 268 daily partitions: ~10 s on one server, ~67 s on Citus (WARDLINK_TEST_CITUS=1), where
  // each partition's ATTACH also creates its 4 shards on the workers (docs/scaling.md).
}, 180_000);
afterAll(() => h?.cleanup());

describe('retention run over 120 days of data', () => {
  it('plans the 30 oldest days, and a dry run changes nothing', async () => {
    const plan = await planRetention(h.ctx);
    expect(plan.hotDays).toBe(90);
    expect(plan.lastArchivedDay).toBe(isoDate(TODAY - 90));
    expect(plan.archive.map((a) => a.day)).toEqual(Array.from({ length: 30 }, (_, i) => isoDate(FIRST + i)));
    expect(plan.archive.every((a) => a.state === 'new')).toBe(true);
    const dry = await runRetention(h.ctx, { dryRun: true });
    expect(dry.ran).toBe(false);
    expect((await listVitalPartitions(db.pool)).length).toBe(120 + 14);
  });

  it('keeps 90 hot days, archives, verifies and drops the rest, with counts and sums equal to the source', async () => {
    const archivedBefore = await fingerprint(db.pool, 'vital_data', 't < $1', [dayStart(KEPT_FROM)]);
    const hotBefore = await fingerprint(db.pool, 'vital_data', 't >= $1', [dayStart(KEPT_FROM)]);
    expect(archivedBefore.rows).toBe(30 * 240);

    const result = await runRetention(h.ctx, { failFast: true });
    expect(result.ran).toBe(true);
    expect(result.failed).toEqual([]);
    expect(result.archived).toHaveLength(30);
    expect(result.archived.reduce((n, a) => n + a.rows, 0)).toBe(archivedBefore.rows);

    const days = (await listVitalPartitions(db.pool)).map((p) => utcDay(p.from));
    expect(Math.min(...days)).toBe(KEPT_FROM);
    expect(days.filter((d) => d <= TODAY)).toHaveLength(90);
    expect(await fingerprint(db.pool, 'vital_data', 'true')).toEqual(hotBefore);
    const leftovers = await db.pool.query("SELECT count(*)::int AS n FROM pg_class WHERE relname LIKE 'vital_data_p%' AND relname < $1", [`vital_data_p${isoDate(KEPT_FROM).replaceAll('-', '')}`]);
    expect(leftovers.rows[0].n).toBe(0);

    const jobs = await db.pool.query("SELECT state, count(*)::int AS n FROM archive_jobs GROUP BY state");
    expect(jobs.rows).toEqual([{ state: 'dropped', n: 30 }]);
    const objects = await findObjects(db.pool);
    expect(objects).toHaveLength(60); // 30 days x 2 hospitals
    expect(objects.every((o) => o.verifiedAt !== null && o.kind === 'day')).toBe(true);
    const keys = (await h.store.list('')).map((o) => o.key);
    expect(keys.filter((k) => k.endsWith('.parquet')).sort()).toEqual(objects.map((o) => o.key).sort());
    expect(keys.filter((k) => k.endsWith('.manifest.json'))).toHaveLength(60);

    // An independent read of the whole archive agrees with the source.
    const duck = await DuckDbReader.open();
    try {
      const all = await duck.stats(`${h.store.root}/vital_data/**/*.parquet`);
      expect(all.rows).toBe(archivedBefore.rows);
      expect(all.sumTUs).toBe(archivedBefore.sumT);
      expect(all.sumMetric).toBe(archivedBefore.sumMetric);
      expect(all.sumValue).toBeCloseTo(archivedBefore.sumValue, 2);
    } finally {
      duck.close();
    }
    const audit = await listAudit(db.pool, { action: 'partition-dropped' });
    expect(audit).toHaveLength(30);
    expect(audit.every((a) => a.actor === 'test' && a.hospitalId === '')).toBe(true);
    // 30 days archived, verified and dropped: ~20 s alone, over 30 s on a loaded 2-core box;
    // 107 s on Citus on a loaded box (each day's DETACH and statistics run on every shard).
  }, 240_000);

  it('restores an archived range into a table identical to the source rows', async () => {
    const from = dayStart(FIRST + 3);
    const to = new Date(dayStart(FIRST + 5).getTime() + 6 * 3_600_000);
    const res = await restoreRange(h.ctx, { from, to, hospitalId: 'h-north', into: 'restore_test' });
    expect(res.objects).toBe(3);
    const restored = await fingerprint(db.pool, 'restore_test', 'true');
    expect(restored.rows).toBeGreaterThan(0);
    expect(res.rowsInserted).toBe(restored.rows);
    expect(restored).toEqual(await fingerprint(db.pool, 'source_snapshot', "hospital_id = 'h-north' AND t >= $1 AND t < $2", [from, to]));

    // One patient, all hospitals, into the default table.
    const one = await restoreRange(h.ctx, { from: dayStart(FIRST), to: dayStart(FIRST + 30), patientId: 'P3' });
    expect(one.table).toBe('vital_data_restore');
    expect(await fingerprint(db.pool, 'vital_data_restore', 'true')).toEqual(await fingerprint(db.pool, 'source_snapshot', "patient_id = 'P3'"));
    // Restoring again adds nothing.
    expect((await restoreRange(h.ctx, { from: dayStart(FIRST), to: dayStart(FIRST + 30), patientId: 'P3' })).rowsInserted).toBe(0);
    await expect(restoreRange(h.ctx, { from, to, into: 'vital_data' })).rejects.toMatchObject({ code: 'WL_RESTORE_FAILED' });
  });
});
