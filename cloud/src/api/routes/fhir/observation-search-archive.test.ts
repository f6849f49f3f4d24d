/**
 * FHIR Observation search and read over an archived day: the day is archived for real
 * (compaction, then runRetention into a local archive folder, as
 * bulk-export-archive.test.ts does), and every page of the searches and every read by id
 * answers the same resources as before, now read from the archive's Parquet objects.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METRICS } from '@wardlink/shared';
import { resolveCloudConfig } from '../../../config/resolve.js';
import { runCompaction } from '../../../lifecycle/compaction/compaction-job.js';
import { runRetention } from '../../../lifecycle/retention.js';
import { useLifecycleDatabase } from '../../../lifecycle/testing/db.js';
import { createHarness, type Harness } from '../../../lifecycle/testing/harness.js';
import { CloudService } from '../../../service.js';
import { createTestLogger } from '../../../testing/logger.js';
import { getRead, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { fhirValidator } from '../../../fhir/testing/fhir-validator.js';
import { insertReadings, wardSample, WARD_SAMPLE_OBSERVATIONS } from '../../../fhir/testing/readings.js';

type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const db = useLifecycleDatabase();
const DAY = 86_400_000;
// Three days before today (UTC): within the 5 days a search may span.
const D0 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
const iso = (ms: number) => new Date(ms).toISOString();
/** Day 0 alone (archived), and day 0 with day 1 (archived, then hot). */
const SEARCHES = [
  `patient=P1&date=ge${iso(D0)}&date=lt${iso(D0 + DAY)}&_count=7`,
  `patient=P2&date=ge${iso(D0)}&date=lt${iso(D0 + DAY)}&_count=1000`,
  `patient=P1&date=ge${iso(D0 + 12 * 3_600_000)}&date=lt${iso(D0 + DAY + 12 * 3_600_000)}&_count=50&code=http://loinc.org|8867-4,85354-9`,
];
let h: Harness;
let service: CloudService;
let dataDir: string;
let fixture: ReadFixture;

const path = (u: string) => new URL(u).pathname + new URL(u).search;
const get = (p: string) => getRead(service.url, p, fixture.readerToken);

/** Every entry of a search, following the next links (at most 100 pages). */
async function searchAll(query: string): Promise<{ entries: Resource[]; pages: number }> {
  const entries: Resource[] = [];
  let next: string | undefined = `/v1/hospitals/h-arch/fhir/Observation?${query}`;
  let pages = 0;
  while (next !== undefined && pages < 100) {
    const res = await get(next);
    expect(res.status, res.text).toBe(200);
    const bundle = JSON.parse(res.text) as Resource;
    expect(bundle.entry?.some((e: Resource) => e.search.mode === 'outcome') ?? false).toBe(false);
    entries.push(...(bundle.entry ?? []));
    pages++;
    const link = bundle.link.find((l: Resource) => l.relation === 'next')?.url as string | undefined;
    next = link === undefined ? undefined : path(link);
  }
  return { entries, pages };
}

/** One after another: the service's read pool is small (parallel reads would be 503). */
async function inTurn<T, R>(items: T[], f: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (const item of items) out.push(await f(item));
  return out;
}

beforeAll(async () => {
  // The lifecycle's "now": the morning of day 2, with 2 hot days, so day 0 is archived.
  h = createHarness(db.pool, {}, D0 + 2 * DAY + 10 * 3_600_000);
  dataDir = await mkdtemp(join(tmpdir(), 'wl-fhir-search-archive-'));
  const config = resolveCloudConfig({
    env: {},
    overrides: {
      dataDir,
      server: { host: '127.0.0.1', port: 0, shutdownGraceMs: 2_000, historyMaxDays: 5 },
      database: { url: db.connectionString, poolMax: 5, connectionTimeoutMs: 2_000 },
      log: { level: 'debug' },
    },
  });
  service = await CloudService.start(config, { logger: createTestLogger('debug').logger, migrate: false, lifecycle: false, archiveStore: h.store, fhirExport: { pollMs: 200 } });
  fixture = await seedHospital(db.pool, 'h-arch', 2, new Date(D0));
  await db.pool.query('UPDATE hospitals SET hot_days = 2');
  const readings = [0, 1].flatMap((day) => [
    ...wardSample('P1', D0 + day * DAY + 8 * 3_600_000),
    ...wardSample('P2', D0 + day * DAY + 20 * 3_600_000),
    ...Array.from({ length: 144 }, (_, i) => ({ patientId: 'P1', tMs: D0 + day * DAY + i * 600_000, metric: METRICS.HR.mdcCode, value: 60 + (i % 40), deviceId: 'mon-2' })),
  ]);
  await insertReadings(db.pool, 'h-arch', readings);
  expect((await runCompaction(h.ctx)).ran).toBe(true);
}, 60_000);
afterAll(async () => {
  await service?.stop();
  h?.cleanup();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('FHIR Observation search over an archived day', () => {
  it('answers the same pages and the same reads by id after the day was archived', async () => {
    const before = await inTurn(SEARCHES, searchAll);
    expect(before[0]!.entries).toHaveLength(WARD_SAMPLE_OBSERVATIONS + 144);
    expect(before[0]!.pages).toBe(Math.ceil((WARD_SAMPLE_OBSERVATIONS + 144) / 7));
    expect(before[1]!.entries).toHaveLength(WARD_SAMPLE_OBSERVATIONS);
    expect(before[2]!.entries.length).toBeGreaterThan(144);
    const sampled = before.flatMap((s) => s.entries).filter((_, i) => i % 5 === 0);
    const readsBefore = await inTurn(sampled, async (e) => (await get(path(e.fullUrl))).text);

    const run = await runRetention(h.ctx, { failFast: true, skipPurge: true });
    expect(run.archived.map((a) => a.day)).toEqual([iso(D0).slice(0, 10)]);
    // Day 0 is no longer in PostgreSQL: the answers below come from the archive.
    const left = await db.pool.query<{ n: string }>(
      `SELECT (SELECT count(*) FROM vital_data WHERE hospital_id = 'h-arch' AND t < $1) + (SELECT count(*) FROM vital_blocks WHERE hospital_id = 'h-arch' AND block_start < $1) AS n`,
      [new Date(D0 + DAY)],
    );
    expect(Number(left.rows[0]!.n)).toBe(0);

    const after = await inTurn(SEARCHES, searchAll);
    for (let i = 0; i < SEARCHES.length; i++) {
      expect(after[i]!.pages, SEARCHES[i]).toBe(before[i]!.pages);
      expect(after[i]!.entries, SEARCHES[i]).toEqual(before[i]!.entries);
    }
    for (let i = 0; i < sampled.length; i++) {
      const read = await get(path(sampled[i]!.fullUrl));
      expect(read.status, read.text).toBe(200);
      expect(read.text).toBe(readsBefore[i]);
      expect(JSON.parse(read.text)).toEqual(sampled[i]!.resource);
    }
    // Read from the archive, still valid R4 (every third: each takes ~50 ms to validate).
    const validate = await fhirValidator();
    const errors = after.flatMap((a) => a.entries).filter((_, i) => i % 3 === 0).flatMap((e) => validate(e.resource).errors.map((x) => `${e.resource.id}: ${x}`));
    expect(errors).toEqual([]);
  }, 120_000);
});
