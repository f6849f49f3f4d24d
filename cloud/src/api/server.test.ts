import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch, mdcCodeOfKey, METRICS, type Batch } from '@wardlink/shared';
import { batchOf, countRows, simulatedWard, T0 } from '../ingest/testing/batches.js';
import { useTestDatabase } from '../testing/pg.js';
import { addGateway, revokeGateway } from './auth/gateway-store.js';
import { bombFrame, postBatch, startTestService, type TestService } from './testing/service.js';

const db = useTestDatabase();
let t: TestService;
let token: string;
let otherToken: string;
const GW = 'gw-api';

beforeAll(async () => {
  t = await startTestService(db.connectionString, {}, { authCacheTtlMs: 300 });
  token = (await addGateway(db.pool, { hospitalId: 'h-api', wardId: 'icu', gatewayId: GW })).token;
  otherToken = (await addGateway(db.pool, { hospitalId: 'h-api', wardId: 'card', gatewayId: 'gw-other' })).token;
});
afterAll(async () => {
  await t?.service.stop();
});

const ward = simulatedWard(GW, 50);
const encoded = (b: Batch) => encodeBatch(b);
let nextSeq = 1;
const freshBatch = () => {
  const seq = nextSeq++;
  return batchOf(ward, seq, T0 + (seq - 1) * 10_000);
};

async function stored(): Promise<{ readings: number; batches: number }> {
  return { readings: await countRows(db.pool, 'vital_data', GW), batches: await countRows(db.pool, 'batch_ledger', GW) };
}

describe('POST /v1/batches', () => {
  it('stores simulator batches end to end: the right values, bed, patient and time, and latest_vitals current', async () => {
    const batches = [freshBatch(), freshBatch()];
    for (const b of batches) {
      const res = await postBatch(t.url, encoded(b), token);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ accepted: true, duplicate: false, gatewayId: GW, seq: b.seq, readings: b.readings.length, storedReadings: b.readings.length });
    }
    const sent = batches.flatMap((b) => decodeBatch(encoded(b)).readings);
    const rows = await db.pool.query<{ t: Date; value: number; metric: number; bed_id: string; patient_id: string; device_id: string; hospital_id: string }>(
      'SELECT t, value, metric, bed_id, patient_id, device_id, hospital_id FROM vital_data WHERE gateway_id = $1',
      [GW],
    );
    expect(rows.rowCount).toBe(sent.length);
    const key = (x: { t: number; metric: number; device: string }) => `${x.device}/${x.metric}/${x.t}`;
    const byKey = new Map(rows.rows.map((r) => [key({ t: r.t.getTime(), metric: r.metric, device: r.device_id }), r]));
    for (const r of sent) {
      const row = byKey.get(key({ t: r.deviceTimeMs, metric: mdcCodeOfKey(r.metric), device: r.deviceId }));
      expect(row, `reading ${r.deviceId} ${r.metric} ${r.deviceTimeMs}`).toBeDefined();
      expect(Math.fround(row!.value)).toBe(Math.fround(r.value));
      expect(row!.bed_id).toBe(r.bedId);
      expect(row!.patient_id).toBe(r.patientId ?? '');
      expect(row!.hospital_id).toBe('h-api');
    }
    const hr = sent.filter((r) => r.bedId === 'bed-01' && r.metric === 'HR').sort((a, b) => b.deviceTimeMs - a.deviceTimeMs)[0]!;
    const latest = await db.pool.query('SELECT t, value FROM latest_vitals WHERE gateway_id = $1 AND bed_id = $2 AND metric = $3', [GW, 'bed-01', METRICS.HR.mdcCode]);
    expect(latest.rows).toEqual([{ t: new Date(hr.deviceTimeMs), value: hr.value }]);
  });

  it('stores a batch once when it is POSTed twice, and when it is POSTed 5 times at once', async () => {
    const b = encoded(freshBatch());
    const before = await stored();
    expect((await postBatch(t.url, b, token)).body.duplicate).toBe(false);
    const again = await postBatch(t.url, b, token);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ accepted: true, duplicate: true });

    const c = freshBatch();
    const answers = await Promise.all(Array.from({ length: 5 }, () => postBatch(t.url, encoded(c), token)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(answers.filter((a) => a.body.duplicate === false)).toHaveLength(1);
    const after = await stored();
    expect(after.readings - before.readings).toBe(decodeBatch(b).readings.length + c.readings.length);
    expect(after.batches - before.batches).toBe(2);
  });

  it('does not duplicate the same readings sent again under a new sequence number', async () => {
    const b = freshBatch();
    await postBatch(t.url, encoded(b), token);
    const before = await stored();
    const resent = await postBatch(t.url, encoded({ ...b, seq: nextSeq++ }), token);
    expect(resent.status).toBe(200);
    expect(resent.body).toMatchObject({ duplicate: false, storedReadings: 0 });
    expect((await stored()).readings).toBe(before.readings);
  });

  describe('bad batches get the right status and store nothing', () => {
    const good = () => encoded(freshBatch());
    const cases: Array<[string, () => { bytes: Uint8Array; token: string | undefined }, number, string]> = [
      ['truncated', () => ({ bytes: good().subarray(0, 200), token }), 400, 'WL_CODEC_TRUNCATED'],
      [
        'flipped bytes',
        () => {
          const bytes = Buffer.from(good());
          for (const i of [bytes.length - 40, bytes.length - 20, bytes.length - 5]) bytes[i]! ^= 0x5a;
          return { bytes, token };
        },
        400,
        'WL_CODEC_',
      ],
      ['no token', () => ({ bytes: good(), token: undefined }), 401, 'WL_API_UNAUTHORIZED'],
      ['a wrong token', () => ({ bytes: good(), token: `wlgw_${'A'.repeat(43)}` }), 401, 'WL_API_UNAUTHORIZED'],
      ["another gateway's id", () => ({ bytes: good(), token: otherToken }), 403, 'WL_API_GATEWAY_MISMATCH'],
      ['a decompression bomb declaring its size', () => ({ bytes: bombFrame(GW, 9_999, 20 << 20, 20 << 20), token }), 400, 'WL_CODEC_LIMIT_EXCEEDED'],
      ['a decompression bomb lying about its size', () => ({ bytes: bombFrame(GW, 9_998, 20 << 20, 4096), token }), 400, 'WL_CODEC_CORRUPT'],
      ['sequence number 0', () => ({ bytes: encoded({ ...freshBatch(), seq: 0 }), token }), 400, 'WL_API_INVALID_BATCH'],
      ['an empty body', () => ({ bytes: new Uint8Array(0), token }), 400, 'WL_API_INVALID_BATCH'],
    ];
    it.each(cases)('%s', async (_name, make, status, code) => {
      const { bytes, token: tok } = make();
      const before = await stored();
      const res = await postBatch(t.url, bytes, tok);
      expect(res.status).toBe(status);
      expect(res.body.error?.code.startsWith(code)).toBe(true);
      expect(await stored()).toEqual(before);
    });

    it('a replay of an old sequence number: 200 duplicate, nothing new stored', async () => {
      const old = freshBatch();
      await postBatch(t.url, encoded(old), token);
      const newer = freshBatch();
      await postBatch(t.url, encoded(newer), token);
      const before = await stored();
      const replay = await postBatch(t.url, encoded(old), token);
      expect(replay.status).toBe(200);
      expect(replay.body.duplicate).toBe(true);
      expect(await stored()).toEqual(before);
      // Same gateway and old seq, another batch (built later): not a replay. Answering
      // "duplicate" would make the gateway drop its readings (ledger-seq-reuse.test.ts).
      const reused = await postBatch(t.url, encoded({ ...batchOf(ward, old.seq, T0 + 3_600_000), seq: old.seq }), token);
      expect(reused.status).toBe(409);
      expect(reused.body.error).toMatchObject({ code: 'WL_API_BATCH_SEQ_REUSED' });
      expect(reused.headers.get('wardlink-highest-seq')).toBe(String(Math.max(old.seq, newer.seq)));
      expect(await stored()).toEqual(before);
      // Counted per gateway: a steady rate means two gateways share one identity (alerts.yml).
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toContain(`wardlink_cloud_batch_seq_reused_total{gateway_id="${GW}"} 1`);
    });

    it('oversized: 413 from the declared length, before the body is read', async () => {
      const limit = t.service.config.server.bodyLimitBytes;
      const res = await rawPost(t.url, token, limit + 1, Buffer.alloc(64 * 1024));
      expect(res.status).toBe(413);
      expect(JSON.parse(res.body).error.code).toBe('WL_API_BODY_TOO_LARGE');
      expect(res.connection).toBe('close');
    });

    it('oversized: 413 for a chunked body as soon as it passes the limit', async () => {
      const limit = t.service.config.server.bodyLimitBytes;
      const before = await stored();
      const res = await rawPost(t.url, token, undefined, Buffer.alloc(limit + 100 * 1024, 1));
      expect(res.status).toBe(413);
      expect(await stored()).toEqual(before);
    });
  });

  it('refuses a revoked token within the auth cache TTL', async () => {
    const added = await addGateway(db.pool, { hospitalId: 'h-api', wardId: 'icu2', gatewayId: 'gw-revoked' });
    const w = simulatedWard('gw-revoked', 2);
    expect((await postBatch(t.url, encodeBatch(batchOf(w, 1, T0)), added.token)).status).toBe(200);
    await revokeGateway(db.pool, 'gw-revoked');
    await new Promise((r) => setTimeout(r, 400));
    const res = await postBatch(t.url, encodeBatch(batchOf(w, 2, T0 + 10_000)), added.token);
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('WL_API_UNAUTHORIZED');
  });

  it('carries the W3C traceparent into every log line of the request, the ledger and the response', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const b = freshBatch();
    const res = await postBatch(t.url, encoded(b), token, { traceparent: `00-${traceId}-00f067aa0ba902b7-01` });
    expect(res.status).toBe(200);
    expect(res.headers.get('traceparent')).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const lines = t.log.entries().filter((e) => e.traceId === traceId);
    expect(lines.some((e) => e.msg === 'request' && e.status === 200 && e.seq === b.seq && e.gatewayId === GW)).toBe(true);
    expect(lines.every((e) => e.parentSpanId === '00f067aa0ba902b7')).toBe(true);
    const ledger = await db.pool.query('SELECT trace_id FROM batch_ledger WHERE gateway_id = $1 AND batch_seq = $2', [GW, b.seq]);
    expect(ledger.rows[0].trace_id).toBe(traceId);
    // Without a (valid) traceparent, a new trace is started.
    const fresh = await postBatch(t.url, encoded(freshBatch()), token, { traceparent: 'garbage' });
    expect(fresh.headers.get('traceparent')).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(fresh.headers.get('traceparent')).not.toContain(traceId);
  });
});

describe('the other routes', () => {
  it('answers health, readiness and metrics, and refuses unknown routes and methods with stable codes', async () => {
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${t.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true, database: 'ok' });
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toMatch(/wardlink_cloud_batches_total\{outcome="stored",status="200"\} \d+/);
    expect(metrics).toMatch(/wardlink_cloud_readings_loaded_total \d{4,}/);
    expect(metrics).toContain('wardlink_cloud_batch_duration_seconds_bucket');
    expect(metrics).toContain('wardlink_cloud_db_pool_waiting 0');
    const missing = await fetch(`${t.url}/v2/nothing`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('WL_API_NOT_FOUND');
    const wrong = await fetch(`${t.url}/v1/batches`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    const json = await postBatch(t.url, encoded(freshBatch()), token, { 'content-type': 'application/json' });
    expect(json.status).toBe(415);
  });
});

/** A POST through node:http, to control Content-Length and chunking. */
function rawPost(url: string, tok: string, contentLength: number | undefined, body: Buffer): Promise<{ status: number; body: string; connection: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}/v1/batches`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tok}`, 'content-type': 'application/vnd.wardlink.batch', ...(contentLength === undefined ? {} : { 'content-length': contentLength }) },
    });
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body: text, connection: res.headers.connection }));
    });
    // The server may close the connection while we are still sending: that is the point.
    req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.end(body);
  });
}
