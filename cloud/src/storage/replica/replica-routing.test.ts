/**
 * Reads on a real streaming replica: a primary and a standby made by pg_basebackup -R
 * (testing/streaming-replica.ts), the real service over HTTP. Replay is paused with
 * pg_wal_replay_pause() to create lag deterministically, and the standby is stopped with
 * pg_ctl -m immediate to lose it.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRead, HR, seedHospital, type ReadFixture } from '../../api/testing/read-fixtures.js';
import { startTestService, type TestService } from '../../api/testing/service.js';
import { silentLogger } from '../../testing/logger.js';
import { startStreamingReplica, type StreamingReplica } from '../../testing/streaming-replica.js';
import { migrate } from '../migrator.js';
import { READ_FROM_HEADER, REPLICA_LAG_HEADER } from './read-routing.js';

const DB = 'wardlink';
let pair: StreamingReplica;
let primary: pg.Pool;
let fixture: ReadFixture;
/** Routes to the replica whatever its lag (to prove where reads go). */
let patient: TestService;
/** Routes to the primary past 1 s of lag. */
let strict: TestService;
const AT = new Date('2026-03-02T08:00:00.000Z');

const latestHr = async (t: TestService) => {
  const res = await getRead(t.url, '/v1/hospitals/h-rep/patients/P1/latest', fixture.readerToken);
  expect(res.status).toBe(200);
  const hr = (res.json() as { vitals: Array<{ metric: { mdcCode: number }; value: number }> }).vitals.find((v) => v.metric.mdcCode === HR);
  return { from: res.headers.get(READ_FROM_HEADER), lagMs: res.headers.get(REPLICA_LAG_HEADER), value: hr?.value };
};
const setHr = (value: number) => primary.query('UPDATE latest_vitals SET value = $1 WHERE hospital_id = $2 AND patient_id = $3 AND metric = $4', [value, 'h-rep', 'P1', HR]);
const metric = async (t: TestService, line: RegExp) => {
  const m = line.exec(await (await fetch(`${t.url}/metrics`)).text());
  return m ? Number(m[1]) : undefined;
};
/** Polls `probe` until `done` holds (bounded: the routing acts within a few checks). */
async function eventually<T>(probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (done(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  pair = await startStreamingReplica();
  const admin = new pg.Client({ connectionString: pair.primaryUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DB}`);
  await admin.end();
  primary = new pg.Pool({ connectionString: pair.primaryUrl(DB), max: 3 });
  await migrate(primary, { logger: silentLogger });
  fixture = await seedHospital(primary, 'h-rep', 1, AT);
  await pair.caughtUp();
  const database = { replicaUrl: pair.replicaUrl(DB), replicaCheckIntervalMs: 200, connectionTimeoutMs: 2_000 };
  // Where DATABASE reads go is the point: the latest-vitals cache (on by default) would
  // answer from memory, and the rows here change by plain UPDATEs that notify nobody.
  const server = { latestCacheMaxHospitals: 0 };
  patient = await startTestService(pair.primaryUrl(DB), { server, database: { ...database, replicaMaxLagMs: 3_600_000 } });
  strict = await startTestService(pair.primaryUrl(DB), { server, database: { ...database, replicaMaxLagMs: 1_000 } });
}, 120_000);
afterAll(async () => {
  await patient?.service.stop();
  await strict?.service.stop();
  await primary?.end();
  await pair?.stop();
}, 30_000);

describe('reads on a streaming replica', () => {
  it('reads from the replica: a row the replica has not replayed is not in the answer', async () => {
    expect((await latestHr(patient)).value).toBe(72);
    await pair.pauseReplay();
    try {
      await setHr(111);
      const stale = await latestHr(patient);
      expect(stale).toMatchObject({ from: 'replica', value: 72 });
      // The lag shows in the header and in /metrics, growing while replay is paused.
      const lagging = await eventually(() => latestHr(patient), (r) => Number(r.lagMs) >= 1_000);
      expect(lagging).toMatchObject({ from: 'replica', value: 72 });
      expect(Number(lagging.lagMs)).toBeGreaterThanOrEqual(1_000);
      expect(await metric(patient, /^wardlink_cloud_replica_lag_seconds (\S+)$/m)).toBeGreaterThanOrEqual(1);
      expect(await metric(patient, /^wardlink_cloud_replica_lag_bytes (\S+)$/m)).toBeGreaterThan(0);
    } finally {
      await pair.resumeReplay();
    }
    await pair.caughtUp();
    const fresh = await eventually(() => latestHr(patient), (r) => r.value === 111 && r.lagMs === '0');
    expect(fresh).toEqual({ from: 'replica', lagMs: '0', value: 111 });
  }, 60_000);

  it('sends reads to the primary while the lag is above replicaMaxLagMs, counted, and back once replay catches up', async () => {
    const before = (await metric(strict, /^wardlink_cloud_replica_fallbacks_total\{reason="lag"\} (\S+)$/m)) ?? 0;
    await pair.pauseReplay();
    try {
      await setHr(122);
      const onPrimary = await eventually(() => latestHr(strict), (r) => r.from === 'primary');
      expect(onPrimary.from).toBe('primary');
      expect(onPrimary.value).toBe(122);
      expect(Number(onPrimary.lagMs)).toBeGreaterThan(1_000);
      expect(await metric(strict, /^wardlink_cloud_replica_fallbacks_total\{reason="lag"\} (\S+)$/m)).toBeGreaterThan(before);
    } finally {
      await pair.resumeReplay();
    }
    const back = await eventually(() => latestHr(strict), (r) => r.from === 'replica');
    expect(back).toMatchObject({ from: 'replica', value: 122 });
  }, 60_000);

  it('falls back to the primary when the replica is down, counted, and returns to it when it is back', async () => {
    await setHr(133);
    await pair.caughtUp();
    await pair.stopReplica();
    try {
      // The first request may be the one that finds it gone (reason "error"); every
      // answer is 200 from the primary, with the current value.
      for (let i = 0; i < 3; i++) expect(await latestHr(patient)).toEqual({ from: 'primary', lagMs: null, value: 133 });
      const down = await eventually(() => metric(patient, /^wardlink_cloud_replica_up (\S+)$/m), (v) => v === 0);
      expect(down).toBe(0);
      const text = await (await fetch(`${patient.url}/metrics`)).text();
      const fallbacks = [...text.matchAll(/^wardlink_cloud_replica_fallbacks_total\{reason="(down|error)"\} (\S+)$/gm)].reduce((n, m) => n + Number(m[2]), 0);
      expect(fallbacks).toBeGreaterThanOrEqual(3);
      expect(patient.log.entries().some((e) => /read replica is unreachable/.test(String(e.msg)))).toBe(true);
    } finally {
      await pair.startReplica();
    }
    const back = await eventually(() => latestHr(patient), (r) => r.from === 'replica');
    expect(back).toMatchObject({ from: 'replica', value: 133 });
    expect(await metric(patient, /^wardlink_cloud_replica_up (\S+)$/m)).toBe(1);
  }, 60_000);
});
