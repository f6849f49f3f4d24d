/**
 * The bulk export's job lifecycle over real HTTP, PostgreSQL and files, with the worker
 * driven by runners of this test (the service's own worker claims nothing:
 * maxConcurrent 0): the per-hospital limit of active jobs (429), a DELETE while a job
 * runs (its files go, its status is 404), and a job whose instance died mid-way taken
 * over by another runner once its heartbeat is stale, with the output of an
 * uninterrupted export.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '@wardlink/shared';
import { resolveCloudConfig } from '../../../config/resolve.js';
import { CloudService } from '../../../service.js';
import { createTestLogger } from '../../../testing/logger.js';
import { useTestDatabase } from '../../../testing/pg.js';
import { getRead, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { FhirExportRunner, type ExportRunnerOptions } from '../../../fhir/export/export-runner.js';
import { runExport } from '../../../fhir/export/export-job.js';
import { claimExport, type ExportFile } from '../../../fhir/export/export-store.js';
import { fhirValidator } from '../../../fhir/testing/fhir-validator.js';
import { insertReadings, wardSample } from '../../../fhir/testing/readings.js';

type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const db = useTestDatabase();
const HOUR = 3_600_000;
const NOW_HOUR = Math.floor(Date.now() / HOUR) * HOUR;
/** 4.5 days back (within historyMaxDays 5): long enough to be cancelled while it runs. */
const SINCE = new Date(NOW_HOUR - 108 * HOUR).toISOString();
let service: CloudService;
let dataDir: string;
let exportsDir: string;
let h1: ReadFixture;
let h2: ReadFixture;
const runners: FhirExportRunner[] = [];
/** OperationOutcomes answered, validated at the end. */
const outcomes: Resource[] = [];

const path = (u: string) => new URL(u).pathname + new URL(u).search;
const fhirGet = (p: string, token = h1.readerToken) => getRead(service.url, p, token);
const kickOff = (hospital = 'h1', token = h1.readerToken) => getRead(service.url, `/v1/hospitals/${hospital}/fhir/$export?_since=${SINCE}`, token, { prefer: 'respond-async' });
const del = (statusUrl: string, token = h1.readerToken) => fetch(`${service.url}${path(statusUrl)}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
const codeOf = (text: string) => (JSON.parse(text) as Resource).issue?.[0]?.details?.coding?.[0]?.code as string | undefined;
const jobIdOf = (statusUrl: string) => statusUrl.split('/').at(-1)!;
const jobRow = async (jobId: string) =>
  (await db.pool.query<{ state: string; progress_to: Date | null; claimed_at: Date | null; files: ExportFile[] }>('SELECT state, progress_to, claimed_at, files FROM fhir_exports WHERE job_id = $1', [jobId])).rows[0];

function runner(options: Partial<ExportRunnerOptions>, log = createTestLogger('debug')): FhirExportRunner {
  const r = new FhirExportRunner({ primary: db.pool, replica: db.pool, clock: systemClock, logger: log.logger, dir: exportsDir }, { pollMs: 200, ...options });
  runners.push(r);
  return r;
}

/** Polls `probe` until it returns a value (deadline `ms`, at least 2 s). */
async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const deadline = Date.now() + Math.max(2_000, ms);
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function exportedLines(statusUrl: string): Promise<Resource[]> {
  const manifest = await until('the manifest', async () => {
    const res = await fhirGet(path(statusUrl));
    if (res.status === 200) return JSON.parse(res.text) as Resource;
    expect(res.status, res.text).toBe(202);
    return undefined;
  }, 60_000);
  const lines: Resource[] = [];
  for (const out of manifest.output) {
    const file = await fhirGet(path(out.url));
    expect(file.status).toBe(200);
    const parsed = file.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Resource);
    expect(parsed).toHaveLength(out.count);
    lines.push(...parsed);
  }
  return lines.sort((a, b) => (a.id < b.id ? -1 : 1));
}

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'wl-fhir-jobs-'));
  exportsDir = join(dataDir, 'fhir-exports');
  const config = resolveCloudConfig({
    env: {},
    overrides: {
      dataDir,
      server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2_000, historyMaxDays: 5 },
      database: { url: db.connectionString, poolMax: 5, connectionTimeoutMs: 2_000 },
      log: { level: 'debug' },
    },
  });
  // An API instance whose worker takes no job: the test's runners are the workers.
  service = await CloudService.start(config, { logger: createTestLogger('debug').logger, migrate: false, lifecycle: false, fhirExport: { maxConcurrent: 0, maxActivePerHospital: 2, pollMs: 200 } });
  h1 = await seedHospital(db.pool, 'h1', 2, new Date(NOW_HOUR));
  h2 = await seedHospital(db.pool, 'h2', 1, new Date(NOW_HOUR));
  // Two patients' monitors every hour of the range, up to 2 h ago (nothing arrives meanwhile).
  const hours = Array.from({ length: 105 }, (_, i) => NOW_HOUR - 107 * HOUR + i * HOUR);
  await insertReadings(db.pool, 'h1', hours.flatMap((t) => [...wardSample('P1', t + 60_000), ...wardSample('P2', t + 1_800_000)]));
}, 60_000);
afterAll(async () => {
  await Promise.all(runners.map((r) => r.stop()));
  await service?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('FHIR bulk export jobs', () => {
  it('refuses a kick-off beyond the hospital’s active jobs with 429, an OperationOutcome and Retry-After', async () => {
    const first = await kickOff();
    const second = await kickOff();
    expect([first.status, second.status]).toEqual([202, 202]);
    const third = await kickOff();
    expect(third.status).toBe(429);
    expect(third.headers.get('content-type')).toContain('application/fhir+json');
    outcomes.push(JSON.parse(third.text) as Resource);
    expect(outcomes.at(-1)!.resourceType).toBe('OperationOutcome');
    expect(codeOf(third.text)).toBe('WL_FHIR_TOO_MANY_EXPORTS');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    // The limit is per hospital: h2 may still start one.
    const other = await kickOff('h2', h2.readerToken);
    expect(other.status).toBe(202);
    expect((await del(other.headers.get('content-location')!, h2.readerToken)).status).toBe(202);
    // A deleted job frees its place.
    expect((await del(first.headers.get('content-location')!)).status).toBe(202);
    const again = await kickOff();
    expect(again.status).toBe(202);
    for (const r of [second, again]) expect((await del(r.headers.get('content-location')!)).status).toBe(202);
  });

  it('cancels a running job on DELETE: its files are removed and its status is 404', async () => {
    const log = createTestLogger('debug');
    // A minute per chunk over 4.5 days: thousands of chunks, still running when deleted.
    const worker = runner({ chunkMs: 60_000, staleMs: 60_000 }, log);
    worker.start();
    const kick = await kickOff();
    expect(kick.status).toBe(202);
    const status = kick.headers.get('content-location')!;
    const jobId = jobIdOf(status);
    await until('the job to run', async () => {
      const res = await fhirGet(path(status));
      return res.status === 202 && /through/.test(res.headers.get('x-progress') ?? '') ? true : undefined;
    });
    expect((await jobRow(jobId))?.state).toBe('running');
    expect(existsSync(join(exportsDir, jobId))).toBe(true);
    expect((await del(status)).status).toBe(202);
    const gone = await fhirGet(path(status));
    expect(gone.status).toBe(404);
    expect(codeOf(gone.text)).toBe('WL_FHIR_EXPORT_NOT_FOUND');
    outcomes.push(JSON.parse(gone.text) as Resource);
    // The runner notices at its next chunk, stops, and removes the folder (again).
    await until('the runner to cancel', async () => (log.entries().some((e) => e.msg === 'FHIR bulk export cancelled') ? true : undefined));
    await worker.stop();
    expect(existsSync(join(exportsDir, jobId))).toBe(false);
    expect(await jobRow(jobId)).toBeUndefined();
  });

  it('takes over a job whose instance died once its heartbeat is stale, and exports what an uninterrupted export does', async () => {
    const kick = await kickOff();
    expect(kick.status).toBe(202);
    const status = kick.headers.get('content-location')!;
    const jobId = jobIdOf(status);
    // The instance that dies: it claims the job, writes a day of hourly chunks, then
    // stops dead (no release, no heartbeat) in the middle of a chunk's lines.
    const claimed = await claimExport(db.pool, new Date(), new Date(0));
    expect(claimed?.jobId).toBe(jobId);
    const stop = new AbortController();
    const dying = runExport(
      { pool: db.pool, jobs: db.pool, clock: systemClock, dir: join(exportsDir, jobId), chunkMs: HOUR, maxFileBytes: 64 * 1024 },
      claimed!,
      { stop: stop.signal, cancel: new AbortController().signal },
    );
    await until('a day of progress', async () => {
      const p = (await jobRow(jobId))?.progress_to;
      return p !== null && p !== undefined && p.getTime() >= Date.parse(SINCE) + 24 * HOUR ? true : undefined;
    });
    stop.abort();
    expect(await dying).toBe('stopped');
    const dead = (await jobRow(jobId))!;
    expect(dead.state).toBe('running');
    expect(dead.progress_to!.getTime()).toBeLessThan(claimed!.until.getTime());
    expect(dead.files.length).toBeGreaterThan(1);
    // A torn line after the recorded bytes, as a crash in the middle of a write leaves.
    const last = join(exportsDir, jobId, dead.files.at(-1)!.name);
    await appendFile(last, '{"resourceType":"Observation","id":"torn');
    expect((await readFile(last)).length).toBeGreaterThan(dead.files.at(-1)!.bytes);

    const staleMs = 3_000;
    runner({ staleMs, chunkMs: 86_400_000, maxFileBytes: 64 * 1024 }).start();
    const resumed = await exportedLines(status);
    // Taken over only once the dead instance's last heartbeat was staleMs old.
    const after = (await jobRow(jobId))!;
    expect(after.claimed_at!.getTime() - dead.claimed_at!.getTime()).toBeGreaterThanOrEqual(staleMs);

    const uninterrupted = await kickOff();
    expect(uninterrupted.status).toBe(202);
    const whole = await exportedLines(uninterrupted.headers.get('content-location')!);
    expect(whole).toHaveLength(105 * 2 * 17);
    expect(new Set(resumed.map((o) => o.id)).size).toBe(resumed.length);
    expect(resumed).toEqual(whole);
    // Valid R4: the OperationOutcomes, and a sample of the resumed lines (~50 ms each).
    const validate = await fhirValidator();
    const checked = [...outcomes, ...resumed.filter((_, i) => i % 60 === 0)];
    expect(checked.flatMap((r) => validate(r).errors.map((e) => `${r.resourceType}/${r.id ?? ''}: ${e}`))).toEqual([]);
  }, 120_000);
});
