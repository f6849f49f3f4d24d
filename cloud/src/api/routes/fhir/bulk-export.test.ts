/**
 * FHIR bulk export over real HTTP, PostgreSQL and files: kick-off, status, manifest,
 * NDJSON download equal to the search answers of the same range, every line validated
 * with Medplum; cancel, expiry with cleanup, and the read API's access rules.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '@wardlink/shared';
import { resolveCloudConfig } from '../../../config/resolve.js';
import { CloudService } from '../../../service.js';
import { createTestLogger } from '../../../testing/logger.js';
import { useTestDatabase } from '../../../testing/pg.js';
import { getRead, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { fhirValidator } from '../../../fhir/testing/fhir-validator.js';
import { insertReadings, wardSample, WARD_SAMPLE_OBSERVATIONS } from '../../../fhir/testing/readings.js';

type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const db = useTestDatabase();
const HOUR = 3_600_000;
const T0 = Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR;
const SINCE = new Date(T0).toISOString();
let service: CloudService;
let url: string;
let dataDir: string;
let h1: ReadFixture;
let h2: ReadFixture;

const path = (u: string) => new URL(u).pathname + new URL(u).search;
const fhirGet = (p: string, token: string | undefined = h1.readerToken, headers: Record<string, string> = {}) => getRead(url, p, token, headers);
const kickOff = (query: string, level = '', headers: Record<string, string> = { prefer: 'respond-async' }) =>
  fhirGet(`/v1/hospitals/h1/fhir${level}/$export?${query}`, h1.readerToken, { accept: 'application/fhir+json', ...headers });
const codeOf = (text: string) => (JSON.parse(text) as Resource).issue?.[0]?.details?.coding?.[0]?.code as string | undefined;

/** Polls the status URL until the manifest (bounded by a 30 s deadline). */
async function manifestOf(statusUrl: string): Promise<Resource> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fhirGet(path(statusUrl));
    if (res.status === 200) return JSON.parse(res.text) as Resource;
    expect(res.status, res.text).toBe(202);
    expect(res.headers.get('x-progress')).toMatch(/%/);
    if (Date.now() > deadline) throw new Error('the export did not finish within 30 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function exported(manifest: Resource): Promise<Resource[]> {
  const lines: Resource[] = [];
  for (const out of manifest.output) {
    expect(out.type).toBe('Observation');
    const res = await fhirGet(path(out.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/fhir+ndjson');
    const file = res.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Resource);
    expect(file).toHaveLength(out.count);
    lines.push(...file);
  }
  return lines;
}

/** Every Observation of a patient's search, following the next links. */
async function searched(patient: string, until: string): Promise<Resource[]> {
  const all: Resource[] = [];
  let next: string | undefined = `/v1/hospitals/h1/fhir/Observation?patient=${patient}&date=ge${SINCE}&date=lt${until}&_count=1000`;
  while (next !== undefined) {
    const res = await fhirGet(next);
    expect(res.status).toBe(200);
    const bundle = JSON.parse(res.text) as Resource;
    all.push(...(bundle.entry ?? []).map((e: Resource) => e.resource));
    const link = bundle.link.find((l: Resource) => l.relation === 'next')?.url as string | undefined;
    next = link === undefined ? undefined : path(link);
  }
  return all;
}
const byId = (all: Resource[]) => [...all].sort((a, b) => (a.id < b.id ? -1 : 1));

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'wl-fhir-export-'));
  const config = resolveCloudConfig({
    env: {},
    overrides: {
      dataDir,
      server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2_000, historyMaxDays: 5 },
      database: { url: db.connectionString, poolMax: 5, connectionTimeoutMs: 2_000 },
      log: { level: 'debug' },
    },
  });
  service = await CloudService.start(config, { logger: createTestLogger('debug').logger, migrate: false, lifecycle: false, fhirExport: { pollMs: 200, cleanupEveryMs: 300 } });
  url = service.url;
  h1 = await seedHospital(db.pool, 'h1', 2, new Date(T0));
  h2 = await seedHospital(db.pool, 'h2', 1, new Date(T0));
  await insertReadings(db.pool, 'h1', [...wardSample('P1', T0 + 5 * 60_000), ...wardSample('P2', T0 + 65 * 60_000)]);
  await insertReadings(db.pool, 'h2', wardSample('P1', T0));
  // An hour of one monitor every 5 s across a chunk boundary, and an empty bed's readings.
  const many = Array.from({ length: 720 }, (_, i) => T0 + 30 * 60_000 + i * 5_000).flatMap((tMs, i) => [
    { patientId: 'P1', tMs, metric: METRICS.HR.mdcCode, value: 60 + (i % 30), deviceId: 'mon-2' },
    { patientId: 'P1', tMs, metric: METRICS.SPO2.mdcCode, value: 90 + (i % 10), deviceId: 'mon-2' },
    { patientId: '', tMs, metric: METRICS.HR.mdcCode, value: 70, deviceId: 'mon-9' },
  ]);
  await insertReadings(db.pool, 'h1', many);
}, 60_000);
afterAll(async () => {
  await service?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('FHIR bulk export', () => {
  let manifest: Resource;
  let statusUrl: string;

  it('runs asynchronously: 202 with a status URL, then a manifest of NDJSON files', async () => {
    const res = await kickOff(`_since=${SINCE}&_type=Observation`);
    expect(res.status, res.text).toBe(202);
    statusUrl = res.headers.get('content-location')!;
    expect(statusUrl).toMatch(/\/v1\/hospitals\/h1\/fhir\/\$export-status\/[0-9a-f]{32}$/);
    manifest = await manifestOf(statusUrl);
    expect(manifest).toMatchObject({ requiresAccessToken: true, error: [] });
    expect(manifest.request).toContain('/fhir/$export?_since=');
    expect(Date.parse(manifest.transactionTime)).toBeGreaterThan(T0);
    expect(manifest.output.length).toBeGreaterThan(0);
  });

  it('exports exactly the Observations the search answers for the same range, each valid', async () => {
    const lines = await exported(manifest);
    const expected = [...(await searched('P1', manifest.transactionTime)), ...(await searched('P2', manifest.transactionTime))];
    expect(expected).toHaveLength(2 * WARD_SAMPLE_OBSERVATIONS + 2 * 720);
    expect(byId(lines)).toEqual(byId(expected));
    expect(lines.some((o) => o.subject?.reference === undefined)).toBe(false); // never an empty bed's
    const validate = await fhirValidator();
    const distinct = new Map(lines.map((o) => [`${o.code.coding[0].code}|${o.component ? 'c' : ''}|${JSON.stringify(o.interpretation ?? '')}`, o]));
    const errors = [...distinct.values()].flatMap((o) => validate(o).errors.map((e) => `${o.id}: ${e}`));
    expect(errors).toEqual([]);
  }, 60_000);

  it('exports the same at Patient level', async () => {
    const res = await kickOff(`_since=${SINCE}`, '/Patient');
    expect(res.status).toBe(202);
    const m = await manifestOf(res.headers.get('content-location')!);
    expect(m.request).toContain('/fhir/Patient/$export');
    expect((await exported(m)).length).toBe(2 * WARD_SAMPLE_OBSERVATIONS + 2 * 720);
  });

  it('refuses what it cannot do, with a code', async () => {
    const noAsync = await kickOff(`_since=${SINCE}`, '', {});
    expect([noAsync.status, codeOf(noAsync.text)]).toEqual([400, 'WL_FHIR_ASYNC_REQUIRED']);
    const type = await kickOff(`_since=${SINCE}&_type=Observation,Patient`);
    expect([type.status, codeOf(type.text)]).toEqual([400, 'WL_FHIR_UNSUPPORTED_TYPE']);
    const old = await kickOff(`_since=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`);
    expect([old.status, codeOf(old.text)]).toEqual([400, 'WL_API_RANGE_TOO_LONG']);
    const format = await kickOff(`_since=${SINCE}&_outputFormat=text/csv`);
    expect([format.status, codeOf(format.text)]).toEqual([400, 'WL_FHIR_UNSUPPORTED_FORMAT']);
  });

  it('keeps a hospital’s exports to its readers', async () => {
    const file = path(manifest.output[0].url);
    const anonymous = await getRead(url, file, undefined);
    expect([anonymous.status, codeOf(anonymous.text)]).toEqual([401, 'WL_API_UNAUTHORIZED']);
    const other = await fhirGet(file, h2.readerToken);
    expect([other.status, codeOf(other.text)]).toEqual([403, 'WL_API_FORBIDDEN_HOSPITAL']);
    // h2's reader on its own hospital's path does not find h1's job.
    const scoped = await fhirGet(path(statusUrl).replace('/hospitals/h1/', '/hospitals/h2/'), h2.readerToken);
    expect([scoped.status, codeOf(scoped.text)]).toEqual([404, 'WL_FHIR_EXPORT_NOT_FOUND']);
    const kick = await fhirGet(`/v1/hospitals/h1/fhir/$export?_since=${SINCE}`, h1.gatewayToken, { prefer: 'respond-async' });
    expect(kick.status).toBe(401);
  });

  it('deletes a job and its files on DELETE', async () => {
    const res = await kickOff(`_since=${SINCE}`);
    const status = res.headers.get('content-location')!;
    const m = await manifestOf(status);
    const jobId = status.split('/').at(-1)!;
    expect(existsSync(join(dataDir, 'fhir-exports', jobId))).toBe(true);
    const del = await fetch(`${url}${path(status)}`, { method: 'DELETE', headers: { authorization: `Bearer ${h1.readerToken}` } });
    expect(del.status).toBe(202);
    expect((await fhirGet(path(status))).status).toBe(404);
    expect((await fhirGet(path(m.output[0].url))).status).toBe(404);
    expect(existsSync(join(dataDir, 'fhir-exports', jobId))).toBe(false);
  });

  it('deletes expired jobs and their files', async () => {
    const jobId = statusUrl.split('/').at(-1)!;
    await db.pool.query(`UPDATE fhir_exports SET expires_at = now() - interval '1 second' WHERE job_id = $1`, [jobId]);
    const deadline = Date.now() + 10_000;
    while ((await fhirGet(path(statusUrl))).status !== 404 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect((await fhirGet(path(statusUrl))).status).toBe(404);
    await new Promise((r) => setTimeout(r, 500));
    expect(await readdir(join(dataDir, 'fhir-exports'))).not.toContain(jobId);
  });
});
