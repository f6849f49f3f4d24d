import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../program.js';
import { EXIT, type Out } from '../../output.js';
import { DAY_MS, isoDate } from '../../../storage/utc-days.js';
import { listAudit } from '../../../lifecycle/audit.js';
import { useLifecycleDatabase } from '../../../lifecycle/testing/db.js';
import { addHospitals, insertDays } from '../../../lifecycle/testing/harness.js';

const db = useLifecycleDatabase();
const dataDir = mkdtempSync(join(tmpdir(), 'wl-lifecycle-cli-'));
const today = Math.floor(Date.now() / DAY_MS);

async function cli(args: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const out: Out = { json: args.includes('--json'), stdout: (t) => stdout.push(t), stderr: (t) => stderr.push(t) };
  const code = await runCli(args, { out, env: { DATABASE_URL: db.connectionString, WARDLINK_DATA_DIR: dataDir, LOG_LEVEL: 'silent' } });
  return { code, stdout: stdout.join(''), stderr: stderr.join('\n') };
}
const json = async (args: string[]) => {
  const r = await cli([...args, '--json']);
  expect(r.code, r.stderr).toBe(EXIT.OK);
  return JSON.parse(r.stdout);
};

beforeAll(async () => {
  await addHospitals(db.pool);
  await insertDays(db.pool, today - 94, today - 1, 40);
});
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('lifecycle commands', () => {
  it('partitions maintain creates the premade days; partitions list shows them with sizes', async () => {
    const maintained = await json(['partitions', 'maintain']);
    expect(maintained).toMatchObject({ ran: true, fromDay: isoDate(today), toDay: isoDate(today + 14), alerts: [] });
    expect(maintained.created).toHaveLength(15);
    const list = await json(['partitions', 'list']);
    expect(list).toHaveLength(94 + 15);
    expect(list[0]).toMatchObject({ name: `vital_data_p${isoDate(today - 94).replaceAll('-', '')}`, status: 'attached' });
    expect((await cli(['partitions', 'list'])).stdout).toMatch(/NAME\s+DAY\s+ROWS\s+SIZE\s+STATUS/);
  });

  it('retention run --dry-run prints the plan and changes nothing; retention run archives with progress on stderr', async () => {
    const dry = await cli(['retention', 'run', '--dry-run']);
    expect(dry.code).toBe(EXIT.OK);
    expect(dry.stdout).toContain('would archive:');
    expect(dry.stdout).toContain(`vital_data_p${isoDate(today - 94).replaceAll('-', '')}`);
    expect((await json(['retention', 'run', '--dry-run'])).plan.archive).toHaveLength(5);
    expect((await json(['partitions', 'list']))).toHaveLength(94 + 15);

    const run = await cli(['retention', 'run', '--json']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    const result = JSON.parse(run.stdout);
    expect(result.archived.map((a: { day: string }) => a.day)).toEqual([94, 93, 92, 91, 90].map((d) => isoDate(today - d)));
    const progress = run.stderr.split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(progress.some((p) => p.progress?.job === 'archive' && p.progress.step === 'dropped')).toBe(true);
    expect((await json(['partitions', 'list']))).toHaveLength(89 + 15);
  });

  it('archive list / jobs / verify / restore', async () => {
    const objects = await json(['archive', 'list', '--hospital', 'h-north']);
    expect(objects).toHaveLength(5);
    expect(objects.every((o: { verifiedAt: string | null }) => o.verifiedAt)).toBe(true);
    expect((await cli(['archive', 'list'])).stdout).toContain(`store: local:${join(dataDir, 'archive')}`);
    const jobs = await json(['archive', 'jobs']);
    expect(jobs.map((j: { state: string }) => j.state)).toEqual(Array(5).fill('dropped'));
    const verified = await json(['archive', 'verify']);
    expect(verified).toHaveLength(10);
    expect(verified.every((v: { ok: boolean; checks: string[] }) => v.ok && v.checks.includes('duckdb'))).toBe(true);
    const restored = await json(['archive', 'restore', '--from', isoDate(today - 94), '--to', isoDate(today - 92), '--hospital', 'h-south', '--into', 'cli_restore']);
    expect(restored).toMatchObject({ table: 'cli_restore', objects: 2 });
    const count = await db.pool.query('SELECT count(*)::int AS n FROM cli_restore');
    expect(count.rows[0].n).toBe(restored.rowsInserted);
    expect(restored.rowsInserted).toBeGreaterThan(0);
    const bad = await cli(['archive', 'restore', '--from', 'yesterday', '--to', isoDate(today)]);
    expect(bad.code).toBe(EXIT.USAGE);
  });

  it('retention policy set is audited; unknown hospitals and bad values are refused', async () => {
    const set = await json(['retention', 'policy', 'set', '--hospital', 'h-south', '--hot-days', '120', '--archive-years', '10']);
    expect(set).toMatchObject({ before: { hotDays: 90, archiveYears: 7 }, after: { hotDays: 120, archiveYears: 10 } });
    expect(await json(['retention', 'policy', 'list'])).toContainEqual({ hospitalId: 'h-south', hotDays: 120, archiveYears: 10 });
    const audit = await listAudit(db.pool, { action: 'retention-policy-set' });
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toMatch(/^cli:/);
    expect((await cli(['retention', 'policy', 'set', '--hospital', 'h-none', '--hot-days', '5'])).code).toBe(EXIT.NOT_FOUND);
    expect((await cli(['retention', 'policy', 'set', '--hospital', 'h-south', '--hot-days', '0'])).code).toBe(EXIT.USAGE);
    expect((await cli(['retention', 'policy', 'set', '--hospital', 'h-south'])).code).toBe(EXIT.USAGE);
  });

  it('legal-hold add / list / remove, audited, with clear errors', async () => {
    const placed = await json(['legal-hold', 'add', '--hospital', 'h-north', '--patient', 'P1', '--reason', 'case 42', '--by', 'counsel']);
    expect(placed).toMatchObject({ hospitalId: 'h-north', patientId: 'P1', placedBy: 'counsel', releasedAt: null });
    const again = await cli(['legal-hold', 'add', '--hospital', 'h-north', '--patient', 'P1', '--reason', 'x', '--by', 'y', '--json']);
    expect(again.code).toBe(EXIT.CONFLICT);
    expect(JSON.parse(again.stderr).error.code).toBe('WL_ALREADY_EXISTS');
    expect(await json(['legal-hold', 'list'])).toHaveLength(1);
    expect((await cli(['legal-hold', 'remove', '--hospital', 'h-north', '--patient', 'P1', '--by', 'counsel'])).code).toBe(EXIT.OK);
    expect(await json(['legal-hold', 'list'])).toEqual([]);
    expect(await json(['legal-hold', 'list', '--all'])).toHaveLength(1);
    const missing = await cli(['legal-hold', 'remove', '--hospital', 'h-north', '--patient', 'P1', '--by', 'counsel']);
    expect(missing.code).toBe(EXIT.NOT_FOUND);
    expect(missing.stderr).toMatch(/legal-hold list/);
    const actions = (await listAudit(db.pool, { hospitalId: 'h-north' })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['legal-hold-placed', 'legal-hold-released']));
  });

  it('capacity prints sizes, rates and projections, as JSON too', async () => {
    const report = await json(['capacity']);
    expect(report.partitions.length).toBe(89 + 15);
    expect(report.hotRows).toBeGreaterThan(0);
    expect(report.ingest.source).toBe('partitions');
    expect(report.projection.hotDays).toBe(120);
    // Rows are counts, not the planner's estimate, and say so.
    expect(report.hotRowsExact).toBe(true);
    const counted = Number((await db.pool.query('SELECT count(*) AS n FROM vital_data')).rows[0].n);
    expect(report.hotRows).toBe(counted);
    expect((await json(['capacity', '--exact'])).partitions.every((p: { rowsExact: boolean }) => p.rowsExact)).toBe(true);
    const text = await cli(['capacity']);
    expect(text.stdout).toMatch(/projected hot store \(120 days, the last 2.2 h as rows, the rest compacted\)/);
    expect(text.stdout).toMatch(/volume size unknown/);
  });

  it('compaction run packs the closed hours, reports what it did, and capacity counts both tiers', async () => {
    const before = Number((await db.pool.query('SELECT count(*) AS n FROM vital_data')).rows[0].n);
    // Every day here is in the past, but yesterday's last hour waits the default 10 min
    // after midnight (UTC): a run then left its readings as rows.
    const run = await cli(['compaction', 'run', '--json', '--after-minutes', '0']);
    expect(run.code, run.stderr).toBe(EXIT.OK);
    const result = JSON.parse(run.stdout);
    expect(result).toMatchObject({ ran: true, failedUnits: 0, duplicates: 0 });
    expect(result.readings).toBe(before);
    expect(Number((await db.pool.query('SELECT count(*) AS n FROM vital_data')).rows[0].n)).toBe(0);
    const report = await json(['capacity']);
    expect(report.hotRows).toBe(before);
    expect(report.tiers.blocks).toMatchObject({ readings: before, measured: true });
    const again = await cli(['compaction', 'run', '--after-minutes', '30']);
    expect(again.stdout).toMatch(/compacted readings before .*: 0 reading\(s\)/);
    expect((await cli(['compaction', 'run', '--after-minutes', 'soon'])).code).toBe(EXIT.USAGE);
    // Four CLI processes and ~1,100 one-patient units: 8 s alone, over 30 s on a loaded CI box.
  }, 120_000);
});
