/**
 * Property: compaction changes no answer. On random streams (1 Hz series with gaps, NIBP
 * every 15 minutes, values at resolution 1, 0.1 and 0.01 and arbitrary float4s, negative
 * values and zero, every quality flag, CLOCK_SUSPECT readings whose received_at is days
 * off, an empty bed, a monitor moving beds mid-hour, microsecond times, receive lags
 * beyond the 32 s of lag16) the read queries of storage/queries.ts (history, reports,
 * latest values) and every reading of vital_readings_of_hospital answer the same over
 * rows only as over rows and blocks: after a first compaction (sometimes stopped after a
 * few units, leaving part of the data as rows), after late readings and re-sent copies of
 * stored readings arrive and are merged, and through the archive and a restore.
 *
 * The expected answers are the queries' own answers while every reading is a row, so
 * the test needs no model of the queries. Seeded: each case prints its seed; rerun one
 * with WL_COMPACTION_SEEDS=<seed>[,<seed>...] (WL_COMPACTION_CASES=n for more cases).
 * fast-check is a dependency of the workspace but not used: a case is a few seconds of
 * PostgreSQL work, which shrinking would repeat hundreds of times, and a seed
 * reproduces a case as well.
 *
 * The last describe block holds the smallest reproductions of what the property found
 * wrong (fixed since): a -0 value, and ids that sort differently in UTF-16 and UTF-8.
 * A re-sent copy of a compacted reading is refused by the loader (ingest/loader.test.ts).
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import { ensurePartitions, forgetKnownPartitions } from '../../storage/partitions.js';
import { HISTORY_SQL } from '../../storage/queries.js';
import { DAY_MS, isoDate } from '../../storage/utc-days.js';
import { useLifecycleDatabase } from '../testing/db.js';
import { addHospitals, createHarness, NOW, type Harness } from '../testing/harness.js';
import { restoreRange } from '../restore.js';
import { runRetention } from '../retention.js';
import { runCompaction, type CompactionOptions, type CompactionResult } from './compaction-job.js';
import { answer, questionsFor, type Answers, type Questions } from './testing/property-answers.js';
import { generateCase, type Case } from './testing/property-case.js';
import { BOTH_TIERS, deleteReadings, digest, EXPECTED, insertReadings, isoUs, rawQuery, tsUs } from './testing/property-db.js';
import { mismatches } from './testing/property-mismatches.js';
import { CUTOFF_US, DAY_US, HOUR_US, HR, SEC_US, type Reading } from './testing/property-streams.js';

// ---------------------------------------------------------------------------------------
// Seeds

const BASE_SEED = 0x5eed_c0de;
const CASES = Number(process.env.WL_COMPACTION_CASES ?? 8);
const SEEDS: number[] = process.env.WL_COMPACTION_SEEDS
  ? process.env.WL_COMPACTION_SEEDS.split(',').map((s) => Number(s.trim()) >>> 0)
  : Array.from({ length: CASES }, (_, i) => (BASE_SEED + Math.imul(i, 0x9e37_79b9)) >>> 0);
const ARCHIVE_SEED = (BASE_SEED ^ 0xa5c4_1e5a) >>> 0;

// ---------------------------------------------------------------------------------------
// The test

describe('compaction changes no answer (property, real PostgreSQL)', () => {
  const db = useLifecycleDatabase({ poolMax: 6 });
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  async function setUp(c: Case): Promise<void> {
    const pool = db.pool;
    await addHospitals(pool);
    await pool.query(`CREATE TABLE IF NOT EXISTS ${EXPECTED} (LIKE vital_data INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
    await pool.query(`TRUNCATE vital_data, vital_blocks, ${EXPECTED}`);
    await ensurePartitions(pool, { fromDay: isoDate(Math.floor(c.startUs / DAY_US)), toDay: isoDate(Math.floor(c.endUs / DAY_US)) });
  }

  /** Runs the job and checks that no unit failed (a failed unit is only logged). */
  async function compact(c: Case, label: string, options: CompactionOptions = {}): Promise<CompactionResult> {
    const run = await runCompaction(h!.ctx, options);
    if (!run.ran) throw new Error(`seed ${c.seed}: ${label}: the job did not run`);
    const errors = h!.log.entries().filter((e) => e.level >= 50);
    expect(run.value.failedUnits, `seed ${c.seed}: ${label}: failed units, logged: ${JSON.stringify(errors.slice(0, 2))}`).toBe(0);
    return run.value;
  }

  async function check(c: Case, label: string, expected: Answers, actual: Answers, q: Questions): Promise<void> {
    const found = await mismatches(db.pool, expected, actual, q);
    expect(found.slice(0, 8), `seed ${c.seed} (rerun: WL_COMPACTION_SEEDS=${c.seed}): ${label}: ${found.length} answers differ`).toEqual([]);
  }

  /**
   * A case: the answers with every reading a row (without and with the late readings),
   * then compaction, late readings, merge, re-sent copies, merge, each checked against
   * them. `untilLate`: stop once the late readings are (partly) merged.
   */
  async function runCase(c: Case, options: { untilLate?: boolean } = {}): Promise<void> {
    const pool = db.pool;
    h = createHarness(pool);
    await setUp(c);
    const q = questionsFor(c);
    const partly = (maxUnits: number | undefined): CompactionOptions => (maxUnits === undefined ? {} : { maxUnits });

    // 1. Every reading a row: the answers before compaction, without and with the late ones.
    expect(await insertReadings(pool, 'vital_data', c.readings)).toBe(c.readings.length);
    await insertReadings(pool, EXPECTED, c.readings);
    const before = await answer(pool, q);
    expect(await insertReadings(pool, 'vital_data', c.late)).toBe(c.late.length);
    const withLate = await answer(pool, q);
    await deleteReadings(pool, c.late);

    // 2. Compacted (maybe only some units, the rest stays rows): the same answers.
    const first = await compact(c, 'first compaction', partly(c.firstMaxUnits));
    expect(first.readings, `seed ${c.seed}`).toBeGreaterThan(0);
    await check(c, `after the first compaction (${first.units} units, ${first.readings} readings moved)`, before, await answer(pool, q), q);

    // 3. Late readings for compacted hours arrive as ingest writes them (rows): they are
    // read at once, beside the blocks, and again once merged into them.
    await insertReadings(pool, 'vital_data', c.late);
    await insertReadings(pool, EXPECTED, c.late);
    await check(c, 'late readings as rows beside the blocks', withLate, await answer(pool, q), q);
    const merge = await compact(c, 'merge', partly(c.secondMaxUnits));
    await check(c, `after the merge (${merge.units} units, ${merge.blocksMerged} blocks merged)`, withLate, await answer(pool, q), q);
    if (options.untilLate) return;

    // 4. Re-sent copies of stored readings, inserted straight into vital_data (as if past
    // the loader's check, which drops them when they come through it: loader.test.ts),
    // are dropped by the merge; the stored reading wins. Until that merge the copies are
    // read too, so the answers are compared once every unit has run.
    await insertReadings(pool, 'vital_data', c.resent);
    const dropped = await compact(c, 'merge of re-sent copies', partly(c.secondMaxUnits));
    const last = await compact(c, 'last compaction');
    await check(c, `after the last compaction (${dropped.duplicates + last.duplicates} copies dropped)`, withLate, await answer(pool, q), q);
    const left = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data WHERE t < $1', [isoUs(CUTOFF_US)]);
    expect(left.rows[0]!.n, `seed ${c.seed}: rows left before the cutoff`).toBe(0);
    expect(await digest(pool, BOTH_TIERS), `seed ${c.seed}: every reading, both tiers`).toEqual(await digest(pool, EXPECTED));
  }

  for (const seed of SEEDS) {
    it(`history, reports, latest values and readings are the same before and after (seed ${seed})`, async () => {
      const c = generateCase(seed);
      await runCase(c);
    });
  }

  it(`archives compacted days whole: a restore gives back every reading (seed ${ARCHIVE_SEED})`, async () => {
    const pool = db.pool;
    const c = generateCase(ARCHIVE_SEED);
    c.firstMaxUnits = 5;
    c.secondMaxUnits = 3;
    // Leaves the days part blocks, part rows: merged, unmerged and late readings.
    await runCase(c, { untilLate: true });
    const rows = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data');
    expect(rows.rows[0]!.n, `seed ${c.seed}: some readings are still rows`).toBeGreaterThan(0);
    const expected = await digest(pool, EXPECTED);

    // Two days later every day of the case is past a hot period of one day.
    await addHospitals(pool, 1);
    h!.clock.set(NOW + 2 * DAY_MS);
    const retention = await runRetention(h!.ctx, { skipPurge: true });
    forgetKnownPartitions(pool);
    expect(retention.failed, `seed ${c.seed}`).toEqual([]);
    expect(retention.archived.reduce((n, a) => n + a.rows, 0), `seed ${c.seed}: readings archived`).toBe(expected.n);
    const left = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_class WHERE relname ~ '^vital_(data|blocks)_p\\d{8}$'");
    expect(left.rows[0]!.n, `seed ${c.seed}: partitions left`).toBe(0);

    await pool.query('DROP TABLE IF EXISTS prop_restored');
    const from = new Date(Math.floor(c.startUs / DAY_US) * DAY_MS);
    const to = new Date((Math.floor(c.endUs / DAY_US) + 1) * DAY_MS);
    const restored = await restoreRange(h!.ctx, { from, to, into: 'prop_restored' });
    expect(restored.rowsInserted, `seed ${c.seed}`).toBe(expected.n);
    expect(await digest(pool, 'prop_restored'), `seed ${c.seed}: the restored readings`).toEqual(expected);
    await addHospitals(pool);
  });
});

// ---------------------------------------------------------------------------------------
// What the property found wrong, as the smallest cases (fixed, kept as regressions).

describe('compaction: the smallest cases the property found', () => {
  const db = useLifecycleDatabase();
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  const hour = CUTOFF_US - 5 * HOUR_US;
  const at = (s: number) => hour + s * SEC_US;
  const reading = (over: Partial<Reading>): Reading => ({
    t: at(0), recv: at(0) + 200_000, seq: 1, value: 80, metric: HR, flags: 0, hospital: 'h-north', patient: 'P1', gateway: 'gw', device: 'mon-1', bed: 'bed-1', ...over,
  });
  async function fresh(): Promise<pg.Pool> {
    h = createHarness(db.pool);
    await addHospitals(db.pool);
    await db.pool.query('TRUNCATE vital_data, vital_blocks');
    await ensurePartitions(db.pool, { fromDay: isoDate(Math.floor(hour / DAY_US)), toDay: isoDate(Math.floor(hour / DAY_US)) });
    return db.pool;
  }
  /** P1's heart rate over the hour, as "µs into the hour, value, flags". */
  const history = async (pool: pg.Pool) =>
    (await rawQuery(pool, HISTORY_SQL, ['h-north', 'P1', HR, isoUs(hour), isoUs(hour + HOUR_US)])).map((r) => `${tsUs(r.t!) - hour} ${r.value} ${r.flags}`);

  it('keeps the -0 an INVALID reading carries (the codec keeps it exactly)', async () => {
    const pool = await fresh();
    await insertReadings(pool, 'vital_data', [reading({ t: at(0), value: 80 }), reading({ t: at(1), value: -0, flags: QualityFlag.INVALID }), reading({ t: at(2), value: 81 })]);
    const before = await history(pool);
    expect(before[1]).toBe(`${SEC_US} -0 1`);
    await runCompaction(h!.ctx);
    expect(await history(pool)).toEqual(before);
  });

  it('merges a late reading when a patient has devices whose ids sort differently in UTF-16 and in UTF-8', async () => {
    const pool = await fresh();
    // "ｘ" (U+FF58) sorts before "😀" (U+1F600) in PostgreSQL's "C" collation (UTF-8
    // bytes EF.. < F0..) and after it in JavaScript (UTF-16 units FF58 > D83D). When
    // merge.ts compared ids with JavaScript's <, the merge emitted a block twice, the
    // COPY failed on the primary key, and the unit failed on every run.
    const devices = ['ox-\uff58', 'ox-\u{1f600}'];
    await insertReadings(pool, 'vital_data', devices.flatMap((device) => [0, 10, 20].map((s) => reading({ device, t: at(s), value: 70 + s }))));
    await runCompaction(h!.ctx);
    await insertReadings(pool, 'vital_data', devices.map((device) => reading({ device, t: at(25), value: 99, seq: 2 })));
    const before = await history(pool);
    const run = await runCompaction(h!.ctx);
    expect(run.ran && run.value.failedUnits, JSON.stringify(h!.log.entries().filter((e) => e.level >= 50).map((e) => (e.err as { message?: string })?.message))).toBe(0);
    const rows = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data');
    expect(rows.rows[0]!.n).toBe(0);
    expect(await history(pool)).toEqual(before);
  });
});
