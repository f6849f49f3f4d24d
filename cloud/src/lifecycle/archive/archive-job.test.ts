import { rm } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePartitions } from '../../storage/partitions.js';
import { isoDate } from '../../storage/utc-days.js';
import { InjectedCrashError } from '../testing/crash.js';
import { checkPartitionRange } from '../range-monitor.js';
import { restoreRange } from '../restore.js';
import { runRetention } from '../retention.js';
import { useLifecycleDatabase } from '../testing/db.js';
import { addHospitals, createHarness, fingerprint, insertDays, type Harness } from '../testing/harness.js';
import { citusSwitchOn } from '../../testing/citus-cluster.js';
import { DuckDbReader } from './duckdb.js';
import { partitionStatus } from './detach.js';
import { ARCHIVE_STATES, type ArchiveState } from './jobs.js';
import { findObjects } from './objects.js';

const db = useLifecycleDatabase();
let h: Harness;
const BASE = Math.floor(Date.UTC(2031, 0, 1) / 86_400_000);
const CRASH_POINTS = ARCHIVE_STATES.filter((s) => s !== 'pending').flatMap((state) => [
  { state, when: 'before' as const },
  { state, when: 'after' as const },
]);
const PENDING_DETACH_DAY = BASE + CRASH_POINTS.length;
const dayStart = (d: number) => new Date(d * 86_400_000);
/** "Now" is the morning after `day`: with a hot period of 1 day, exactly `day` (and older) is archived. */
const dayAfter = (day: number) => (day + 1) * 86_400_000 + 10 * 3_600_000;

beforeAll(async () => {
  h = createHarness(db.pool);
  await addHospitals(db.pool, 1);
  await insertDays(db.pool, BASE, PENDING_DETACH_DAY, 180);
  await db.pool.query('CREATE TABLE source_snapshot AS SELECT * FROM vital_data');
});
afterAll(() => h?.cleanup());

async function expectArchivedExactlyOnce(day: number): Promise<void> {
  const name = `vital_data_p${isoDate(day).replaceAll('-', '')}`;
  expect(await partitionStatus(db.pool, name)).toBe('absent');
  const jobs = await db.pool.query('SELECT generation, state FROM archive_jobs WHERE day = $1', [isoDate(day)]);
  expect(jobs.rows).toEqual([{ generation: 1, state: 'dropped' }]);
  const objects = await findObjects(db.pool, { fromDay: isoDate(day), toDay: isoDate(day) });
  expect(objects.map((o) => o.hospitalId).sort()).toEqual(['h-north', 'h-south']);
  expect(objects.every((o) => o.verifiedAt !== null)).toBe(true);
  const keys = (await h.store.list('vital_data/')).map((o) => o.key).filter((k) => k.includes(isoDate(day)));
  expect(keys.sort()).toEqual(objects.flatMap((o) => [o.key, `${o.key}.manifest.json`]).sort());
  const source = await fingerprint(db.pool, 'source_snapshot', 't >= $1 AND t < $2', [dayStart(day), dayStart(day + 1)]);
  const duck = await DuckDbReader.open();
  try {
    const read = await duck.stats(`${h.store.root}/vital_data/*/year=*/${isoDate(day)}.g1.parquet`);
    expect(read.rows).toBe(source.rows);
    expect(read.sumTUs).toBe(source.sumT);
    expect(read.sumValue).toBeCloseTo(source.sumValue, 2);
  } finally {
    duck.close();
  }
}

describe('the archive job resumes after a crash at any step, losing and duplicating nothing', () => {
  it.each(CRASH_POINTS.map((p, i) => [`${p.when} committing "${p.state}"`, p.state, p.when, BASE + i] as const))(
    'crash %s',
    async (_label, state: ArchiveState, when, day) => {
      h.clock.set(dayAfter(day));
      const crash = (s: ArchiveState) => {
        if (s === state) throw new InjectedCrashError(`${when} ${state}`);
      };
      const hooks = when === 'before' ? { beforeCommit: crash } : { afterCommit: crash };
      await expect(runRetention(h.ctx, { hooks, failFast: true, skipPurge: true })).rejects.toBeInstanceOf(InjectedCrashError);
      const after = await db.pool.query('SELECT state FROM archive_jobs WHERE day = $1', [isoDate(day)]);
      const committed = ARCHIVE_STATES.indexOf(state) - (when === 'before' ? 1 : 0);
      expect(after.rows).toEqual([{ state: ARCHIVE_STATES[committed] }]);

      const resumed = await runRetention(h.ctx, { failFast: true, skipPurge: true });
      expect(resumed.failed).toEqual([]);
      await expectArchivedExactlyOnce(day);
    },
  );

  // On Citus the job detaches with a plain DETACH (DETACH ... CONCURRENTLY is not supported
  // on distributed tables, detach.ts): it cannot be left pending. There the same reader makes
  // the DETACH time out with the partition still attached, and the next run archives it.
  const onCitus = citusSwitchOn();
  it(`finishes a DETACH${onCitus ? ' (plain, on Citus) that timed out behind an old snapshot on the next run' : ' ... CONCURRENTLY left pending (interrupted while waiting for an old snapshot) with FINALIZE'}`, async () => {
    const day = PENDING_DETACH_DAY;
    const name = `vital_data_p${isoDate(day).replaceAll('-', '')}`;
    h.clock.set(dayAfter(day));
    // A reader whose snapshot still sees the partition: the detach's second phase waits for it.
    const reader = new pg.Client({ connectionString: db.connectionString });
    await reader.connect();
    try {
      await reader.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await reader.query('SELECT count(*) FROM vital_data');
      const impatient = { ...h.ctx, settings: { ...h.ctx.settings, detachTimeoutMs: 300 } };
      await expect(runRetention(impatient, { failFast: true, skipPurge: true })).rejects.toMatchObject({ code: 'WL_DB_UNAVAILABLE' });
      expect(await partitionStatus(db.pool, name)).toBe(onCitus ? 'attached' : 'detach-pending');
    } finally {
      await reader.query('ROLLBACK');
      await reader.end();
    }
    const resumed = await runRetention(h.ctx, { failFast: true, skipPurge: true });
    expect(resumed.archived.map((a) => a.day)).toEqual([isoDate(day)]);
    await expectArchivedExactlyOnce(day);
    const tmp = (await h.store.list('')).filter((o) => o.key.includes('.tmp-'));
    expect(tmp).toEqual([]);
  });

  it('exports again when the staged files are gone (another instance resumed the job)', async () => {
    const day = PENDING_DETACH_DAY + 1;
    await insertDays(db.pool, day, day, 120);
    await db.pool.query('INSERT INTO source_snapshot SELECT * FROM vital_data WHERE t >= $1 AND t < $2', [dayStart(day), dayStart(day + 1)]);
    h.clock.set(dayAfter(day));
    const crash = (s: ArchiveState) => {
      if (s === 'exported') throw new InjectedCrashError('after exported');
    };
    await expect(runRetention(h.ctx, { hooks: { afterCommit: crash }, failFast: true, skipPurge: true })).rejects.toBeInstanceOf(InjectedCrashError);
    await rm(h.ctx.stagingDir, { recursive: true, force: true });
    await runRetention(h.ctx, { failFast: true, skipPurge: true });
    await expectArchivedExactlyOnce(day);
    expect(h.log.entries().some((e) => /staged export files are missing/.test(String(e.msg)))).toBe(true);
  });

  it('archives late data for a day already archived and dropped as a new generation, after alerting on it', async () => {
    const day = BASE;
    // A backlog for that day arrives: the loader's ensurePartitions re-creates the partition.
    await ensurePartitions(db.pool, { fromDay: isoDate(day), toDay: isoDate(day) });
    await db.pool.query(
      `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
       SELECT t + interval '1 ms', received_at + interval '100 days', batch_seq + 10000, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id
       FROM source_snapshot WHERE t >= $1 AND t < $2 ORDER BY t LIMIT 30`,
      [dayStart(day), dayStart(day + 1)],
    );
    await db.pool.query('INSERT INTO source_snapshot SELECT * FROM vital_data WHERE t >= $1 AND t < $2', [dayStart(day), dayStart(day + 1)]);
    const check = await checkPartitionRange(h.ctx);
    expect(check.alerts.find((a) => a.kind === 'late-rows-for-archived-day')).toMatchObject({ subjects: [`vital_data_p${isoDate(day).replaceAll('-', '')}`], rows: 30 });
    const result = await runRetention(h.ctx, { failFast: true, skipPurge: true });
    expect(result.archived.map((a) => [a.day, a.generation, a.rows])).toEqual([[isoDate(day), 2, 30]]);
    const jobs = await db.pool.query('SELECT generation, state FROM archive_jobs WHERE day = $1 ORDER BY generation', [isoDate(day)]);
    expect(jobs.rows).toEqual([
      { generation: 1, state: 'dropped' },
      { generation: 2, state: 'dropped' },
    ]);
    const restored = await restoreRange(h.ctx, { from: dayStart(day), to: dayStart(day + 1), into: 'late_day' });
    expect(restored.objects).toBe(4);
    expect(await fingerprint(db.pool, 'late_day', 'true')).toEqual(await fingerprint(db.pool, 'source_snapshot', 't >= $1 AND t < $2', [dayStart(day), dayStart(day + 1)]));
  });
});
