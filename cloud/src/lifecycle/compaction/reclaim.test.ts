import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../storage/utc-days.js';
import { citusSwitchOn } from '../../testing/citus-cluster.js';
import { addHospitals, createHarness, fingerprint, insertDays, TODAY, type Harness } from '../testing/harness.js';
import { useLifecycleDatabase } from '../testing/db.js';
import { runCompaction } from './compaction-job.js';

const BOTH_TIERS = `(SELECT * FROM vital_readings_of_hospital('h-north', '2000-01-01', '2100-01-01')
  UNION ALL SELECT * FROM vital_readings_of_hospital('h-south', '2000-01-01', '2100-01-01')) x`;
const DAY = TODAY - 1;
const PARTITION = `vital_data_p${new Date(DAY * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')}`;

const DAY_RANGE = `'${new Date(DAY * DAY_MS).toISOString()}', '${new Date((DAY + 1) * DAY_MS).toISOString()}'`;
// A late reading of `patient` (bed and device of one of theirs, one millisecond later, so
// it is new and not a copy), from either tier.
const lateRow = (patient: string) => `INSERT INTO vital_data SELECT t + interval '1 millisecond', received_at, batch_seq + 500, 55.5, metric, 0, hospital_id, patient_id, gateway_id, device_id, bed_id
  FROM vital_readings_of_hospital('h-north', ${DAY_RANGE}) WHERE patient_id = '${patient}' ORDER BY t DESC LIMIT 1`;
const A_PATIENT = `(SELECT patient_id FROM vital_readings_of_hospital('h-north', ${DAY_RANGE}) LIMIT 1)`;

// On Citus reclaim VACUUMs instead of truncating (reclaim.ts), and the partitions' bytes are
// on the workers, not on the coordinator this test measures: compaction-job.test.ts and
// compaction-crash.test.ts prove compaction there.
const onCitus = citusSwitchOn();

describe.skipIf(onCitus)('giving back a compacted past day', () => {
  const db = useLifecycleDatabase();
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  /** Heap (with TOAST) and index bytes. */
  async function sizeOf(partition: string): Promise<{ heap: number; indexes: number }> {
    const res = await db.pool.query<{ heap: string; indexes: string }>(
      'SELECT pg_table_size($1::regclass)::text AS heap, pg_indexes_size($1::regclass)::text AS indexes', [`"${partition}"`]);
    return { heap: Number(res.rows[0]!.heap), indexes: Number(res.rows[0]!.indexes) };
  }
  // Empty: no data page left, only the 8 KiB metapages of the primary key and the TOAST index.
  const empty = async (partition: string) => {
    const size = await sizeOf(partition);
    return size.heap + size.indexes <= 16_384;
  };

  it('truncates a day whose rows all moved into blocks: heap and index back to nothing, every reading kept', async () => {
    h = createHarness(db.pool);
    await db.pool.query('TRUNCATE vital_data, vital_blocks, compaction_late_rows');
    await addHospitals(db.pool);
    await insertDays(db.pool, DAY, DAY, 2_400);
    const before = await fingerprint(db.pool, 'vital_data');
    expect((await sizeOf(PARTITION)).heap).toBeGreaterThan(100_000);

    const run = await runCompaction(h.ctx);
    expect(run.ran && run.value.reclaimed).toEqual([{ partition: PARTITION, way: 'truncated' }]);
    expect(await empty(PARTITION)).toBe(true);
    expect(await fingerprint(db.pool, BOTH_TIERS)).toEqual(before);

    // Late readings afterwards land in the emptied day, are merged by the next run, and
    // that run truncates again: its guard counted them before it listed the patients.
    const patient = (await db.pool.query<{ p: string }>(`SELECT ${A_PATIENT} AS p`)).rows[0]!.p;
    await db.pool.query(lateRow(patient));
    const late = await db.pool.query<{ n: string }>('SELECT late_writes::text AS n FROM compaction_late_rows WHERE partition = $1', [PARTITION]);
    expect(late.rows).toEqual([{ n: '1' }]);
    const again = await runCompaction(h.ctx);
    expect(again.ran && again.value).toMatchObject({ readings: 1, reclaimed: [{ partition: PARTITION, way: 'truncated' }] });
    expect((await fingerprint(db.pool, BOTH_TIERS)).rows).toBe(before.rows + 1);
  });

  it('keeps a reading written while the day was compacted: no truncation, and the next run moves it', async () => {
    h = createHarness(db.pool);
    await db.pool.query('TRUNCATE vital_data, vital_blocks, compaction_late_rows');
    await addHospitals(db.pool);
    await insertDays(db.pool, DAY, DAY, 2_400);
    const before = await fingerprint(db.pool, 'vital_data');
    let written = false;
    // After the first unit committed, a late reading of that unit's patient: the run
    // listed it and will not look again, so the row stays, and truncating would lose it.
    const run = await runCompaction(h.ctx, {
      concurrency: 1,
      hook: async (step, unit) => {
        if (step !== 'committed' || written || unit.hospitalId !== 'h-north') return;
        written = true;
        await db.pool.query(lateRow(unit.patientId));
      },
    });
    expect(written).toBe(true);
    expect(run.ran && run.value.reclaimed).toEqual([{ partition: PARTITION, way: 'vacuumed' }]);
    expect((await db.pool.query(`SELECT value FROM "${PARTITION}"`)).rows).toEqual([{ value: 55.5 }]);
    expect((await fingerprint(db.pool, BOTH_TIERS)).rows).toBe(before.rows + 1);
    const next = await runCompaction(h.ctx);
    expect(next.ran && next.value.reclaimed).toEqual([{ partition: PARTITION, way: 'truncated' }]);
    expect((await fingerprint(db.pool, BOTH_TIERS)).rows).toBe(before.rows + 1);
    expect(await empty(PARTITION)).toBe(true);
  });

  it('does not truncate a day with a unit left: rows stay until a run completes it', async () => {
    h = createHarness(db.pool);
    await db.pool.query('TRUNCATE vital_data, vital_blocks, compaction_late_rows');
    await addHospitals(db.pool);
    await insertDays(db.pool, DAY, DAY, 2_400);
    const before = await fingerprint(db.pool, 'vital_data');
    const partial = await runCompaction(h.ctx, { maxUnits: 2 });
    expect(partial.ran && partial.value.reclaimed).toEqual([{ partition: PARTITION, way: 'vacuumed' }]);
    const left = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${PARTITION}"`);
    expect(left.rows[0]!.n).toBeGreaterThan(0);
    expect(await fingerprint(db.pool, BOTH_TIERS)).toEqual(before);
    const rest = await runCompaction(h.ctx);
    expect(rest.ran && rest.value.reclaimed).toEqual([{ partition: PARTITION, way: 'truncated' }]);
    expect(await fingerprint(db.pool, BOTH_TIERS)).toEqual(before);
  });

  it('waits for a reader of the day only briefly, then vacuums instead', async () => {
    h = createHarness(db.pool, { ddlLockTimeoutMs: 200 });
    await db.pool.query('TRUNCATE vital_data, vital_blocks, compaction_late_rows');
    await addHospitals(db.pool);
    await insertDays(db.pool, DAY, DAY, 2_400);
    const before = await fingerprint(db.pool, 'vital_data');
    const reader = await db.pool.connect();
    try {
      let reading = false;
      const run = runCompaction(h.ctx, {
        hook: async (step) => {
          if (step !== 'committed' || reading) return;
          reading = true;
          // A reader's open transaction on the day, as a long report would hold it.
          await reader.query('BEGIN');
          await reader.query(`SELECT count(*) FROM "${PARTITION}"`);
          // The truncation gives up after 10 tries of 100 ms; VACUUM then runs beside the
          // reader, and its REINDEX CONCURRENTLY waits for the reader to finish.
          setTimeout(() => void reader.query('COMMIT'), 3_000);
        },
      });
      const done = await run;
      expect(done.ran && done.value.reclaimed).toEqual([{ partition: PARTITION, way: 'vacuumed' }]);
    } finally {
      reader.release();
    }
    expect(await fingerprint(db.pool, BOTH_TIERS)).toEqual(before);
  });
});
