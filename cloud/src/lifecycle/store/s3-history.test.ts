/**
 * The history of a day archived into an S3 bucket: retention archives the day for real
 * into s3rver (over HTTP, AWS SDK v3), the partition is gone from PostgreSQL, and the
 * read API answers the same readings from the bucket (downloaded into the bounded read
 * cache, checked against its manifest's sha256, read by DuckDB).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRead, seedHistory, seedHospital, type ReadFixture } from '../../api/testing/read-fixtures.js';
import { startTestService, type TestService } from '../../api/testing/service.js';
import { ARCHIVED_DAYS_HEADER } from '../../api/routes/read/history.js';
import { createTestLogger } from '../../testing/logger.js';
import { startS3Server, type TestS3Server } from '../../testing/s3-server.js';
import { createLifecycleContext } from '../context.js';
import { runRetention } from '../retention.js';
import { useLifecycleDatabase } from '../testing/db.js';
import { ManualClock } from '../testing/manual-clock.js';
import { S3ArchiveStore } from './s3-store.js';

const db = useLifecycleDatabase();
const D0 = Date.parse('2026-03-01T00:00:00Z');
const WHOLE = 'metric=HR&from=2026-03-01T00:00:00Z&to=2026-03-04T00:00:00Z';
let s3: TestS3Server;
let store: S3ArchiveStore;
let t: TestService;
let fixture: ReadFixture;
const staging = mkdtempSync(join(tmpdir(), 'wl-s3-staging-'));
const history = () => getRead(t.url, `/v1/hospitals/h-s3/patients/P1/history?${WHOLE}`, fixture.readerToken);

beforeAll(async () => {
  s3 = await startS3Server();
  store = new S3ArchiveStore(s3.storeSettings({ prefix: 'wardlink/', readCacheDir: join(staging, 'cache'), readCacheMaxBytes: 64 * 1024 * 1024 }));
  t = await startTestService(db.connectionString, { server: { historyMaxDays: 5 } }, { archiveStore: store });
  fixture = await seedHospital(db.pool, 'h-s3', 1, new Date(D0));
  await db.pool.query('UPDATE hospitals SET hot_days = 2');
  await seedHistory(db.pool, 'h-s3', 'P1', new Date(D0), 3 * 1440); // every minute of 3 days
}, 60_000);
afterAll(async () => {
  await t?.service.stop();
  await store?.close();
  await s3?.stop();
  rmSync(staging, { recursive: true, force: true });
});

describe('history of a day archived to S3', () => {
  it('answers the archived day from the bucket, every reading as it was while hot', async () => {
    const before = await history();
    expect(before.status).toBe(200);
    const hot = before.text.trimEnd().split('\n');
    expect(hot).toHaveLength(3 * 1440 + 1);

    // On the morning of day 2 with 2 hot days, day 0 leaves PostgreSQL for the bucket.
    const ctx = createLifecycleContext({ pool: db.pool, logger: createTestLogger('info').logger, clock: new ManualClock(D0 + 2 * 86_400_000 + 10 * 3_600_000), store, stagingDir: staging, actor: 'test' });
    const run = await runRetention(ctx, { failFast: true, skipPurge: true });
    expect(run.archived.map((a) => a.day)).toEqual(['2026-03-01']);
    expect((await db.pool.query("SELECT to_regclass('vital_data_p20260301') AS t")).rows[0].t).toBeNull();
    const objects = (await store.list('')).map((o) => o.key);
    expect(objects.some((k) => k.endsWith('.parquet') && k.includes('2026-03-01'))).toBe(true);

    const after = await history();
    expect(after.status).toBe(200);
    expect(after.headers.get(ARCHIVED_DAYS_HEADER)).toBe('2026-03-01');
    expect(after.text.trimEnd().split('\n').slice(0, -1)).toEqual(hot.slice(0, -1));
    expect(await store.readCache!.bytes()).toBeGreaterThan(0);
  }, 120_000);

  it('answers from the read cache while the bucket is unreachable; without a cache, 503 WL_HISTORY_ARCHIVE_UNAVAILABLE', async () => {
    const before = (await history()).text;
    await s3.stop();
    const cached = await history();
    expect(cached.status).toBe(200);
    expect(cached.text).toBe(before);
    const uncached = new S3ArchiveStore(s3.storeSettings({ prefix: 'wardlink/' }));
    const t2 = await startTestService(db.connectionString, { server: { historyMaxDays: 5 } }, { archiveStore: uncached });
    const res = await getRead(t2.url, `/v1/hospitals/h-s3/patients/P1/history?${WHOLE}`, fixture.readerToken).finally(() => t2.service.stop());
    await uncached.close();
    expect(res.status).toBe(503);
    expect(JSON.parse(res.text)).toMatchObject({ error: { code: 'WL_HISTORY_ARCHIVE_UNAVAILABLE' } });
    const hotOnly = await getRead(t.url, '/v1/hospitals/h-s3/patients/P1/history?metric=HR&from=2026-03-02T00:00:00Z&to=2026-03-04T00:00:00Z', fixture.readerToken);
    expect(hotOnly.status).toBe(200);
    expect(hotOnly.text.trimEnd().split('\n')).toHaveLength(2 * 1440 + 1);
  }, 30_000);
});
