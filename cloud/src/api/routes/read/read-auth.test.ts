/** Who may read what: reader tokens of the path's hospital only; gateway tokens never. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeBatch } from '@wardlink/shared';
import { batchOf, simulatedWard, T0 } from '../../../ingest/testing/batches.js';
import { useTestDatabase } from '../../../testing/pg.js';
import { addReader, revokeReader } from '../../auth/reader-store.js';
import { getRead, seedHospital, type ReadFixture } from '../../testing/read-fixtures.js';
import { postBatch, startTestService, type TestService } from '../../testing/service.js';

const db = useTestDatabase();
let t: TestService;
let h1: ReadFixture;
const LATEST = (h: string) => `/v1/hospitals/${h}/patients/P1/latest`;

beforeAll(async () => {
  t = await startTestService(db.connectionString, {}, { authCacheTtlMs: 200 });
  h1 = await seedHospital(db.pool, 'h1', 2, new Date());
  await seedHospital(db.pool, 'h2', 2, new Date());
});
afterAll(async () => {
  await t?.service.stop();
});

describe('read API authorization', () => {
  it('serves a reader of the hospital in the path', async () => {
    const res = await getRead(t.url, LATEST('h1'), h1.readerToken);
    expect(res.status).toBe(200);
    expect(res.json().patientId).toBe('P1');
  });

  it('answers 401 without a token, with an unknown one, and with a gateway token', async () => {
    for (const token of [undefined, 'wlrd_' + 'A'.repeat(43), h1.gatewayToken]) {
      const res = await getRead(t.url, LATEST('h1'), token);
      expect(res.status, String(token)).toBe(401);
      expect(res.json().error?.code).toBe('WL_API_UNAUTHORIZED');
      expect(res.json().error?.message).toContain('reader add');
    }
  });

  it('answers 403 WL_API_FORBIDDEN_HOSPITAL to a reader of another hospital', async () => {
    const res = await getRead(t.url, LATEST('h2'), h1.readerToken);
    expect(res.status).toBe(403);
    expect(res.json().error?.code).toBe('WL_API_FORBIDDEN_HOSPITAL');
    expect(res.json()).not.toHaveProperty('vitals'); // no data of h2 leaked
  });

  it('refuses a revoked reader within the auth cache TTL', async () => {
    const reader = await addReader(db.pool, { hospitalId: 'h2', name: 'to revoke' });
    expect((await getRead(t.url, LATEST('h2'), reader.token)).status).toBe(200);
    await revokeReader(db.pool, reader.readerId);
    await new Promise((r) => setTimeout(r, 250));
    const res = await getRead(t.url, LATEST('h2'), reader.token);
    expect(res.status).toBe(401);
    expect(res.json().error?.code).toBe('WL_API_UNAUTHORIZED');
  });

  it('never accepts a reader token for POST /v1/batches', async () => {
    const batch = encodeBatch(batchOf(simulatedWard(`h1-gw`, 2), 1, T0));
    const res = await postBatch(t.url, batch, h1.readerToken);
    expect(res.status).toBe(401);
    expect(res.body.error?.code).toBe('WL_API_UNAUTHORIZED');
    const ledger = await db.pool.query("SELECT count(*)::int AS n FROM batch_ledger WHERE gateway_id = 'h1-gw'");
    expect(ledger.rows[0].n).toBe(0);
  });

  it('keeps 404 and 405 for the new routes, and 400 for a bad id', async () => {
    expect((await getRead(t.url, '/v1/hospitals/h1/patients', h1.readerToken)).status).toBe(404);
    const post = await fetch(`${t.url}${LATEST('h1')}`, { method: 'POST', headers: { authorization: `Bearer ${h1.readerToken}` } });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
    const bad = await getRead(t.url, '/v1/hospitals/h1/patients/a%20b/latest', h1.readerToken);
    expect(bad.status).toBe(400);
    expect(bad.json().error?.code).toBe('WL_API_INVALID_PARAMETER');
  });
});
