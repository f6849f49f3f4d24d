/**
 * A bulk export whose range reaches an archived day: the day is archived for real
 * (runRetention into a local archive folder, after compaction moved its closed hours
 * into vital_blocks), and the export, read from the archive's Parquet objects with
 * DuckDB, is the same as the export of the same range while every day was hot.
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
import { insertReadings, wardSample } from '../../../fhir/testing/readings.js';

type Resource = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const db = useLifecycleDatabase();
const DAY = 86_400_000;
// Three days before today (UTC): within the 5 days an export may reach back.
const D0 = Math.floor(Date.now() / DAY) * DAY - 3 * DAY;
const SINCE = new Date(D0).toISOString();
let h: Harness;
let service: CloudService;
let dataDir: string;
let fixture: ReadFixture;

const path = (u: string) => new URL(u).pathname + new URL(u).search;
const get = (p: string, headers: Record<string, string> = {}) => getRead(service.url, p, fixture.readerToken, headers);

/** Kicks off an export of [SINCE, now), waits for it (30 s deadline), returns its lines. */
async function exportLines(): Promise<Resource[]> {
  const kick = await get(`/v1/hospitals/h-arch/fhir/$export?_since=${SINCE}`, { prefer: 'respond-async' });
  expect(kick.status, kick.text).toBe(202);
  const status = path(kick.headers.get('content-location')!);
  const deadline = Date.now() + 30_000;
  let res = await get(status);
  while (res.status === 202 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    res = await get(status);
  }
  expect(res.status, res.text).toBe(200);
  const lines: Resource[] = [];
  for (const out of (JSON.parse(res.text) as Resource).output) {
    const file = await get(path(out.url));
    lines.push(...file.text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Resource));
  }
  return lines.sort((a, b) => (a.id < b.id ? -1 : 1));
}

beforeAll(async () => {
  // The lifecycle's "now": the morning of day 2, with 2 hot days, so day 0 is archived.
  h = createHarness(db.pool, {}, D0 + 2 * DAY + 10 * 3_600_000);
  dataDir = await mkdtemp(join(tmpdir(), 'wl-fhir-archive-'));
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

describe('FHIR bulk export over an archived day', () => {
  it('exports the archived day from the archive, exactly as it exported it while hot', async () => {
    const hot = await exportLines();
    expect(hot.length).toBe(2 * (2 * 17 + 144));
    const run = await runRetention(h.ctx, { failFast: true, skipPurge: true });
    expect(run.archived.map((a) => a.day)).toEqual([new Date(D0).toISOString().slice(0, 10)]);
    const archived = await exportLines();
    expect(archived).toEqual(hot);
  }, 90_000);
});
