/** GET /v1/hospitals/:hospitalId/stream on real HTTP and PostgreSQL: batches POSTed by a
 * gateway reach the hospital's SSE clients through NOTIFY/LISTEN. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '@wardlink/shared';
import { batchOf, simulatedWard, T0 } from '../../../ingest/testing/batches.js';
import { useTestDatabase } from '../../../testing/pg.js';
import { addReader, revokeReader } from '../../auth/reader-store.js';
import { getRead, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { postBatch, startTestService, type TestService } from '../../testing/service.js';
import { TestSseClient, type SseEvent } from '../../testing/sse-client.js';

const db = useTestDatabase();
let t: TestService;
let h1: ReadFixture;
let h2: ReadFixture;
const STREAM = (h: string) => `/v1/hospitals/${h}/stream`;
const ward1 = simulatedWard('hs1-gw', 20);
const ward2 = simulatedWard('hs2-gw', 5);
let seq1 = 0;

interface VitalsData {
  hospitalId: string;
  vitals: Array<{ gatewayId: string; bedId: string; t: string; patientId: string; metric: { mdcCode: number } }>;
}
const vitalsOf = (e: SseEvent) => e.data as VitalsData;
/** A vitals event carrying a reading at `t` (the batch's newest); the seeded rows of the
 * gateway are newer than the simulated batches, so they come along in every event. */
const carries = (e: SseEvent, t: number) => e.event === 'vitals' && vitalsOf(e).vitals.some((v) => Date.parse(v.t) === t);

/** POSTs the next batch of h1's gateway (10 s of readings after the previous one). */
async function postNext(ward = ward1, token = h1.gatewayToken): Promise<{ maxT: number; body: Record<string, unknown> }> {
  const seq = ++seq1;
  const batch = batchOf(ward, seq, T0 + seq * 10_000);
  const res = await postBatch(t.url, encodeBatch(batch), token);
  expect(res.status).toBe(200);
  return { maxT: Math.max(...batch.readings.map((r) => r.deviceTimeMs)), body: res.body };
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  return line ? Number(line.split(' ').pop()) : 0;
}

beforeAll(async () => {
  t = await startTestService(db.connectionString, {}, { stream: { coalesceMs: 100, maxQueuedBytes: 64 * 1024 } });
  h1 = await seedHospital(db.pool, 'hs1', 2, new Date());
  h2 = await seedHospital(db.pool, 'hs2', 2, new Date());
});
afterAll(async () => {
  await t?.service.stop();
});

describe('GET /v1/hospitals/:hospitalId/stream', () => {
  it('sends retry and the dashboard snapshot, then a vitals event per batch of the hospital only', async () => {
    const client = await TestSseClient.open(`${t.url}${STREAM('hs1')}`, h1.readerToken);
    try {
      const snapshot = await client.waitFor((e) => e.event === 'snapshot', 5_000);
      expect(client.retryMs).toBeGreaterThan(0);
      expect((snapshot.data as { patients: Array<{ patientId: string }> }).patients.map((p) => p.patientId)).toEqual(['P1', 'P2']);

      // Another hospital's batch first: it must never show on hs1's stream.
      await postBatch(t.url, encodeBatch(batchOf(ward2, 1, T0)), h2.gatewayToken);
      const posted = Date.now();
      const { maxT } = await postNext();
      const event = await client.waitFor((e) => e.event === 'vitals', 2_500);
      expect(Date.now() - posted).toBeLessThan(2_500);
      const data = vitalsOf(event);
      expect(data.hospitalId).toBe('hs1');
      expect(data.vitals.length).toBeGreaterThan(0);
      expect(new Set(data.vitals.map((v) => v.gatewayId))).toEqual(new Set(['hs1-gw']));
      expect(carries(event, maxT)).toBe(true);
      // The reading shape of the latest route, plus the patient.
      expect(data.vitals[0]).toMatchObject({ metric: expect.objectContaining({ mdcCode: expect.any(Number) }), gatewayId: 'hs1-gw', deviceId: expect.any(String), flags: expect.any(Array) });
      expect(data.vitals[0]).toHaveProperty('patientId');
      expect(client.events.filter((e) => e.event === 'vitals').every((e) => vitalsOf(e).hospitalId === 'hs1')).toBe(true);
    } finally {
      client.close();
    }
  });

  it('sends nothing for a duplicate batch', async () => {
    const client = await TestSseClient.open(`${t.url}${STREAM('hs1')}`, h1.readerToken);
    try {
      await client.waitFor((e) => e.event === 'snapshot', 5_000);
      const seq = ++seq1;
      const bytes = encodeBatch(batchOf(ward1, seq, T0 + seq * 10_000));
      expect((await postBatch(t.url, bytes, h1.gatewayToken)).body.duplicate).toBe(false);
      await client.waitFor((e) => e.event === 'vitals', 5_000);
      const before = client.events.length;
      const again = await postBatch(t.url, bytes, h1.gatewayToken);
      expect(again.body.duplicate).toBe(true);
      // The next real batch's event is the very next event: the duplicate sent none.
      const { maxT } = await postNext();
      const next = await client.waitFor((e) => e.event === 'vitals', 5_000, before);
      expect(client.events.indexOf(next)).toBe(before);
      expect(carries(next, maxT)).toBe(true);
    } finally {
      client.close();
    }
  });

  it('answers 401 and 403 like the other read routes', async () => {
    for (const token of [undefined, 'wlrd_' + 'A'.repeat(43), h1.gatewayToken]) {
      const res = await getRead(t.url, STREAM('hs1'), token);
      expect(res.status, String(token)).toBe(401);
      expect(res.json().error?.code).toBe('WL_API_UNAUTHORIZED');
    }
    const res = await getRead(t.url, STREAM('hs2'), h1.readerToken);
    expect(res.status).toBe(403);
    expect(res.json().error?.code).toBe('WL_API_FORBIDDEN_HOSPITAL');
  });

  it('drops a client that stops reading, counts it, and keeps serving the others', async () => {
    const droppedBefore = await metric('wardlink_cloud_stream_clients_dropped_total');
    const fast = await TestSseClient.open(`${t.url}${STREAM('hs1')}`, h1.readerToken);
    const slow = connect(Number(new URL(t.url).port), '127.0.0.1');
    try {
      await fast.waitFor((e) => e.event === 'snapshot', 5_000);
      await new Promise<void>((r) => slow.once('connect', () => r()));
      slow.write(`GET ${STREAM('hs1')} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${h1.readerToken}\r\nAccept: text/event-stream\r\n\r\n`);
      slow.pause(); // never reads again: the kernel buffers fill, then its queue grows
      for (let i = 0; i < 100 && (await metric('wardlink_cloud_streams_open')) < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await metric('wardlink_cloud_streams_open')).toBe(2);

      const big = simulatedWard('hs1-gw', 120, 11);
      let maxT = 0;
      for (let i = 0; i < 80 && (await metric('wardlink_cloud_stream_clients_dropped_total')) === droppedBefore; i++) {
        ({ maxT } = await postNext(big));
        await fast.waitFor((e) => carries(e, maxT), 5_000);
      }
      expect(await metric('wardlink_cloud_stream_clients_dropped_total')).toBe(droppedBefore + 1);
      expect(await metric('wardlink_cloud_streams_open')).toBe(1);
      expect(t.log.entries().some((e) => e.msg === 'SSE client too slow; dropped (it reconnects from a snapshot)')).toBe(true);

      // The fast client still gets every change.
      ({ maxT } = await postNext(big));
      const last = await fast.waitFor((e) => carries(e, maxT), 5_000);
      expect(vitalsOf(last).hospitalId).toBe('hs1');
    } finally {
      fast.close();
      slow.destroy();
    }
  }, 120_000);

  it('recovers when its LISTEN connection is terminated, resyncs clients, and events flow again', async () => {
    const client = await TestSseClient.open(`${t.url}${STREAM('hs1')}`, h1.readerToken);
    try {
      await client.waitFor((e) => e.event === 'snapshot', 5_000);
      const killed = await db.pool.query(
        "SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = 'wardlink-cloud-listen' AND datname = current_database()",
      );
      expect(killed.rows).toEqual([{ ok: true }]);
      const from = client.events.length;
      // A fresh snapshot tells the client that changes of the gap may be missing.
      await client.waitFor((e) => e.event === 'snapshot', 10_000, from);
      const { maxT } = await postNext();
      const event = await client.waitFor((e) => carries(e, maxT), 5_000, from);
      expect(vitalsOf(event).hospitalId).toBe('hs1');
      expect(t.log.entries().some((e) => e.msg === 'the LISTEN connection for streams was lost; reconnecting')).toBe(true);
    } finally {
      client.close();
    }
  });

  it('answers 503 WL_API_TOO_MANY_STREAMS with Retry-After past the per-instance bound', async () => {
    const capped = await startTestService(db.connectionString, { server: { maxStreams: 1 } }); // the config setting reaches the hub
    const first = await TestSseClient.open(`${capped.url}${STREAM('hs1')}`, h1.readerToken);
    try {
      await first.waitFor((e) => e.event === 'snapshot', 5_000);
      const res = await getRead(capped.url, STREAM('hs1'), h1.readerToken);
      expect(res.status).toBe(503);
      expect(res.json().error?.code).toBe('WL_API_TOO_MANY_STREAMS');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    } finally {
      first.close();
      await capped.service.stop();
    }
  });

  it('holds a per-hospital bound below the instance\'s, so one hospital cannot take every stream', async () => {
    const capped = await startTestService(db.connectionString, { server: { maxStreams: 10, maxStreamsPerHospital: 1 } });
    const first = await TestSseClient.open(`${capped.url}${STREAM('hs1')}`, h1.readerToken);
    try {
      await first.waitFor((e) => e.event === 'snapshot', 5_000);
      const res = await getRead(capped.url, STREAM('hs1'), h1.readerToken);
      expect(res.status).toBe(503);
      expect(res.json().error).toMatchObject({ code: 'WL_API_TOO_MANY_STREAMS', message: expect.stringContaining('streams of hospital hs1') });
      const other = await TestSseClient.open(`${capped.url}${STREAM('hs2')}`, h2.readerToken); // another hospital still gets in
      await other.waitFor((e) => e.event === 'snapshot', 5_000);
      other.close();
    } finally {
      first.close();
      await capped.service.stop();
    }
  });

  it('closes a stream within 5 s of its reader token being revoked', async () => {
    const reader = await addReader(db.pool, { hospitalId: 'hs1', name: 'wall dashboard' });
    const client = await TestSseClient.open(`${t.url}${STREAM('hs1')}`, reader.token);
    try {
      await client.waitFor((e) => e.event === 'snapshot', 5_000);
      await revokeReader(db.pool, reader.readerId);
      const revokedAt = Date.now();
      await client.waitFor((e) => e.event === 'revoked', 6_000);
      expect(Date.now() - revokedAt).toBeLessThan(5_000);
      for (let i = 0; i < 100 && !client.ended; i++) await new Promise((r) => setTimeout(r, 20));
      expect(client.ended).toBe(true);
      // A reconnect is refused too, once the authentication cache (5 s) forgot the token.
      await expect.poll(async () => (await getRead(t.url, STREAM('hs1'), reader.token)).status, { timeout: 7_000, interval: 250 }).toBe(401);
    } finally {
      client.close();
    }
  });
});
