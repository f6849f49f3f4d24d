/**
 * The compaction job SIGKILLed at every step of a unit, for a first compaction (rows
 * into new blocks) and for a merge (late readings and re-sent copies into existing
 * blocks). A child process (testing/compaction-crash-child.ts, run with tsx as the other
 * SIGKILL tests run theirs) runs the job against this test's database and kills itself
 * inside the chosen step of the nth unit. Then, here:
 *   - every reading is there exactly once over both tiers: nothing lost, nothing doubled
 *     (re-sent copies not yet dropped are rows, told apart by their batch_seq);
 *   - the killed unit is rolled back whole, or (killed after COMMIT) done whole;
 *   - the job's advisory lock went with the dead session: a new run runs;
 *   - that run completes the job: the same readings, no row older than the cutoff left,
 *     no re-sent copy kept.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../storage/utc-days.js';
import { useLifecycleDatabase } from '../testing/db.js';
import { addHospitals, createHarness, HOSPITALS, insertDays, NOW, TODAY, type Harness } from '../testing/harness.js';
import { runCompaction, type CompactionStep, type CompactionUnit } from './compaction-job.js';

const CHILD = fileURLToPath(new URL('./testing/compaction-crash-child.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

const STEPS: CompactionStep[] = ['read', 'merged', 'old-blocks-deleted', 'blocks-written', 'committed'];
/** Which unit each step's crash hits: the first, and later ones (after committed units). */
const NTH = [1, 3, 2, 1, 4, 2];
/** The job's cutoff at NOW with the default 10 min grace: the hour that ended before. */
const CUTOFF = new Date(Math.floor((NOW - 10 * 60_000) / 3_600_000) * 3_600_000);
/** batch_seq of the re-sent copies (never a stored reading's). */
const RESENT_SEQ = 1_000_000_000_000_000;

const BOTH_TIERS = `(${HOSPITALS.map((h) => `SELECT * FROM vital_readings_of_hospital('${h}', '2000-01-01', '2100-01-01')`).join(' UNION ALL ')}) x`;

interface ChildRun {
  signal: NodeJS.Signals | null;
  code: number | null;
  /** The unit the child said it was killed in. */
  killedIn?: { step: CompactionStep; nth: number; unit: CompactionUnit };
  output: string;
}

/** Runs the job in a child process that SIGKILLs itself at `step` of unit `nth`. */
function runChild(databaseUrl: string, applicationName: string, step: CompactionStep, nth: number, dir: string): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, databaseUrl, applicationName, step, String(nth), String(NOW), dir], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-4_000)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const line = output.split('\n').find((l) => l.startsWith('{'));
      resolve({ signal, code, output, ...(line ? { killedIn: JSON.parse(line) as ChildRun['killedIn'] } : {}) });
    });
  });
}

describe('compaction SIGKILLed at each step', () => {
  const db = useLifecycleDatabase();
  let h: Harness;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wl-compaction-crash-'));
  });
  afterAll(() => {
    h?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Count and md5 of readings over `from`, every column, in a total order. */
  async function digest(from: string): Promise<{ n: number; md5: string }> {
    const res = await db.pool.query<{ n: number; md5: string }>(
      `SELECT count(*)::int AS n, coalesce(md5(string_agg(concat_ws('|', t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id),
         ',' ORDER BY hospital_id, patient_id, metric, t, gateway_id, device_id, batch_seq)), '') AS md5 FROM ${from}`,
    );
    return res.rows[0]!;
  }
  const stored = () => digest(`${BOTH_TIERS} WHERE batch_seq < ${RESENT_SEQ}`);
  const count = async (sql: string, params: unknown[] = []) => (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n;

  /** Puts the tables back to a saved state (plain copies made in beforeAll). */
  async function restore(rows: string, blocks: string | undefined): Promise<void> {
    await db.pool.query('TRUNCATE vital_data, vital_blocks');
    await db.pool.query(`INSERT INTO vital_data SELECT * FROM ${rows}`);
    if (blocks) await db.pool.query(`INSERT INTO vital_blocks SELECT * FROM ${blocks}`);
  }

  const expected: { first?: { n: number; md5: string }; merge?: { n: number; md5: string } } = {};

  beforeAll(async () => {
    h = createHarness(db.pool);
    await addHospitals(db.pool);
    // Three days of rows (the last one still open), as ingest leaves them.
    await insertDays(db.pool, TODAY - 2, TODAY, 600);
    // And a monitor's 1 Hz heart rate for 20 minutes of two hours, per hospital: full blocks.
    await db.pool.query(
      `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
       SELECT t, t + (150 + s % 40) * interval '1 millisecond', 7000 + s / 5, 70 + s % 13, 147842, CASE WHEN s % 101 = 0 THEN 1 ELSE 0 END, h, 'P1', h || '-gw1', 'mon-hz', 'bed-1'
       FROM unnest($1::text[]) h, unnest($2::timestamptz[]) start, generate_series(0, 1199) s, LATERAL (SELECT start + s * interval '1 second' AS t) x`,
      [HOSPITALS, [new Date((TODAY - 1) * DAY_MS + 5 * 3_600_000), new Date(TODAY * DAY_MS + 2 * 3_600_000)]],
    );
    await db.pool.query('CREATE TABLE crash_first_rows AS SELECT * FROM vital_data');
    expected.first = await stored();

    // Compacted, then late readings for the compacted hours (a gateway's backlog) and
    // re-sent copies of stored readings (same key, another batch and value) as rows.
    const run = await runCompaction(h.ctx);
    expect(run.ran && run.value.failedUnits).toBe(0);
    const late = await db.pool.query(
      `INSERT INTO vital_data SELECT r.t + interval '1 millisecond', r.received_at + interval '2 hours', r.batch_seq + 500000, r.value + 0.5, r.metric, r.flags,
         r.hospital_id, r.patient_id, r.gateway_id, r.device_id, r.bed_id
       FROM ${BOTH_TIERS.replace(/ x$/, ' r')} WHERE r.t < $1 AND (extract(epoch FROM r.t) * 1000)::bigint % 5 = 0 ON CONFLICT DO NOTHING`,
      [CUTOFF],
    );
    const resent = await db.pool.query(
      `INSERT INTO vital_data SELECT r.t, r.received_at + interval '1 second', r.batch_seq + ${RESENT_SEQ}, r.value + 1, r.metric, 0,
         r.hospital_id, r.patient_id, r.gateway_id, r.device_id, r.bed_id
       FROM ${BOTH_TIERS.replace(/ x$/, ' r')} WHERE r.t < $1 AND (extract(epoch FROM r.t) * 1000)::bigint % 7 = 0 ON CONFLICT DO NOTHING`,
      [CUTOFF],
    );
    expect(late.rowCount).toBeGreaterThan(20);
    expect(resent.rowCount).toBeGreaterThan(20);
    await db.pool.query('CREATE TABLE crash_merge_rows AS SELECT * FROM vital_data');
    await db.pool.query('CREATE TABLE crash_merge_blocks AS SELECT * FROM vital_blocks');
    expected.merge = await stored();
  });

  const cases = (['first', 'merge'] as const).flatMap((kind) => STEPS.map((step, i) => ({ kind, step, nth: NTH[i]! })));

  for (const { kind, step, nth } of cases) {
    it(`${kind} compaction killed at "${step}" of unit ${nth}: every reading once, the lock free, and the next run finishes`, async () => {
      const savedRows = kind === 'first' ? 'crash_first_rows' : 'crash_merge_rows';
      await restore(savedRows, kind === 'first' ? undefined : 'crash_merge_blocks');
      const want = expected[kind]!;
      const rowsBefore = await count('vital_data');
      const blocksBefore = await count('vital_blocks');

      const applicationName = `wl-crash-${kind}-${step}`;
      const child = await runChild(db.connectionString, applicationName, step, nth, dir);
      expect(child.signal, `the child should have died by SIGKILL; it said: ${child.output}`).toBe('SIGKILL');
      expect(child.killedIn, child.output).toMatchObject({ step, nth });
      const unit = child.killedIn!.unit;

      // PostgreSQL ends the dead child's sessions (rolling back its transaction, releasing
      // its advisory lock) once it reads EOF on their sockets: wait for that, not longer.
      for (let waited = 0; (await count("pg_stat_activity WHERE datname = current_database() AND application_name = $1", [applicationName])) > 0; waited += 20) {
        if (waited > 10_000) throw new Error(`the killed child's sessions are still open after 10 s`);
        await new Promise((r) => setTimeout(r, 20));
      }

      // Nothing lost, nothing doubled.
      expect(await stored(), 'readings over both tiers after the crash').toEqual(want);
      expect(await count(`vital_blocks b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r WHERE r.batch_seq >= ${RESENT_SEQ}`), 're-sent copies in blocks').toBe(0);
      // The killed unit: rolled back whole before COMMIT, done whole after it.
      const ofUnit = `WHERE t >= $1 AND t < $2 AND hospital_id = $3 AND patient_id = $4 AND t < $5`;
      const unitParams = [new Date(unit.fromMs), new Date(unit.fromMs + DAY_MS), unit.hospitalId, unit.patientId, CUTOFF];
      const unitRows = await count(`vital_data ${ofUnit}`, unitParams);
      const savedUnitRows = await count(`${savedRows} ${ofUnit}`, unitParams);
      expect(savedUnitRows, 'rows of the unit before the crash').toBeGreaterThan(0);
      expect(unitRows, `rows of the unit killed at ${step}`).toBe(step === 'committed' ? 0 : savedUnitRows);
      if (step !== 'committed' && nth === 1) {
        expect(await count('vital_data'), 'rows').toBe(rowsBefore);
        expect(await count('vital_blocks'), 'blocks').toBe(blocksBefore);
      }

      // The lock went with the session: a new run runs, and finishes the job.
      const run = await runCompaction(h.ctx);
      expect(run.ran, 'a run after the crash').toBe(true);
      expect(run.ran && run.value.failedUnits).toBe(0);
      expect(await digest(BOTH_TIERS), 'readings over both tiers after the next run').toEqual(want);
      expect(await count('vital_data WHERE t < $1', [CUTOFF]), 'rows older than the cutoff').toBe(0);
    });
  }
});
