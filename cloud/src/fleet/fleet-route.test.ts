/**
 * The fleet view in the cloud, on the real service and PostgreSQL: a gateway's status
 * document is stored (skew computed from its sent time), refused with stable codes when
 * bad, and shown by GET /v1/hospitals/{h}/gateways (readers of that hospital only) and
 * in /metrics. The end-to-end test with a real gateway is e2e/src/fleet.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getRead, seedHospital, type ReadFixture } from '../api/testing/read-fixtures.js';
import { startTestService, type TestService } from '../api/testing/service.js';
import { useTestDatabase } from '../testing/pg.js';
import { STATUS_MAX_BYTES } from './status-doc.js';

const db = useTestDatabase();
let t: TestService;
let h1: ReadFixture;
let h2: ReadFixture;

function doc(over: Record<string, unknown> = {}) {
  return {
    v: 1,
    gatewayId: 'fh1-gw',
    sentAtMs: Date.now() + 30_000, // a gateway clock 30 s ahead
    version: '0.1.0',
    uplink: { up: true, breaker: 'closed' },
    backlog: { batches: 2, readings: 1500, alarms: 1, oldestAgeS: 42 },
    quarantinedBatches: 1,
    disk: { freeBytes: 5e9, outageDaysLeft: 0.5 },
    devices: { up: 11, down: 1, unknown: 0, downIds: ['mon-7'] },
    alarmsActive: 3,
    ...over,
  };
}

async function postStatus(token: string | undefined, body: unknown) {
  const res = await fetch(`${t.url}/v1/gateways/status`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as { error?: { code: string }; clockSkewMs?: number } };
}

beforeAll(async () => {
  t = await startTestService(db.connectionString);
  h1 = await seedHospital(db.pool, 'fh1', 1, new Date());
  h2 = await seedHospital(db.pool, 'fh2', 1, new Date());
});
afterAll(async () => {
  await t?.service.stop();
});

describe('POST /v1/gateways/status', () => {
  it('stores the latest status with the clock skew measured at receipt', async () => {
    const res = await postStatus(h1.gatewayToken, doc());
    expect(res.status).toBe(200);
    expect(res.body.clockSkewMs).toBeGreaterThan(25_000);
    const row = await db.pool.query('SELECT clock_skew_ms, software_version, status FROM gateway_status WHERE gateway_id = $1', ['fh1-gw']);
    expect(row.rowCount).toBe(1);
    expect(Number(row.rows[0].clock_skew_ms)).toBeGreaterThan(25_000);
    expect(row.rows[0].status.backlog.readings).toBe(1500);
    // a second send replaces the first
    expect((await postStatus(h1.gatewayToken, doc({ alarmsActive: 0, sentAtMs: Date.now() }))).status).toBe(200);
    const again = await db.pool.query('SELECT status FROM gateway_status WHERE gateway_id = $1', ['fh1-gw']);
    expect(again.rows[0].status.alarmsActive).toBe(0);
  });

  it('refuses bad documents with stable codes and counts them', async () => {
    const cases: [unknown, number, string][] = [
      ['{not json', 400, 'WL_FLEET_STATUS_INVALID'],
      [doc({ backlog: { batches: -1, readings: 0, alarms: 0, oldestAgeS: null } }), 400, 'WL_FLEET_STATUS_INVALID'],
      [doc({ v: 2 }), 400, 'WL_FLEET_STATUS_INVALID'],
      [doc({ gatewayId: 'fh2-gw' }), 403, 'WL_FLEET_STATUS_GATEWAY_MISMATCH'],
      [doc({ version: 'x'.repeat(STATUS_MAX_BYTES) }), 413, 'WL_FLEET_STATUS_TOO_LARGE'],
    ];
    for (const [body, status, code] of cases) {
      const res = await postStatus(h1.gatewayToken, body);
      expect(res.status, code).toBe(status);
      expect(res.body.error?.code).toBe(code);
    }
    expect((await postStatus(undefined, doc())).status).toBe(401);
    expect((await postStatus(h1.readerToken, doc())).status).toBe(401);
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    expect(metrics).toContain('wardlink_cloud_gateway_status_errors_total{code="WL_FLEET_STATUS_INVALID"} 3');
    expect(metrics).toContain('wardlink_cloud_gateway_status_errors_total{code="WL_FLEET_STATUS_TOO_LARGE"} 1');
  });
});

describe('GET /v1/hospitals/{h}/gateways and /metrics', () => {
  it('shows the hospital\'s gateways to its readers, with state and figures', async () => {
    await postStatus(h1.gatewayToken, doc({ sentAtMs: Date.now() + 30_000 }));
    const res = await getRead(t.url, '/v1/hospitals/fh1/gateways', h1.readerToken);
    expect(res.status).toBe(200);
    const body = JSON.parse(res.text) as { gateways: Array<Record<string, unknown>> };
    expect(body.gateways).toHaveLength(1);
    expect(body.gateways[0]).toMatchObject({ gatewayId: 'fh1-gw', version: '0.1.0', state: 'skewed', alarmsActive: 3, quarantinedBatches: 1, backlog: { readings: 1500, oldestAgeS: 42 } });
    // fh2's gateway never sent a status: listed, silent
    const other = JSON.parse((await getRead(t.url, '/v1/hospitals/fh2/gateways', h2.readerToken)).text) as { gateways: Array<Record<string, unknown>> };
    expect(other.gateways[0]).toMatchObject({ gatewayId: 'fh2-gw', state: 'silent', lastSeenAt: null });
    expect((await getRead(t.url, '/v1/hospitals/fh1/gateways', h2.readerToken)).status).toBe(403);
    expect((await getRead(t.url, '/v1/hospitals/fh1/gateways', h1.gatewayToken)).status).toBe(401);
  });

  it('exports one series per gateway', async () => {
    const metrics = await (await fetch(`${t.url}/metrics`)).text();
    const labels = '{hospital="fh1",gateway="fh1-gw"}';
    expect(metrics).toMatch(new RegExp(`wardlink_cloud_gateway_clock_skew_seconds${labels} (2[5-9]|3[0-9])\\.`));
    expect(metrics).toContain(`wardlink_cloud_gateway_backlog_oldest_age_seconds${labels} 42`);
    expect(metrics).toContain(`wardlink_cloud_gateway_disk_outage_days_left${labels} 0.5`);
    expect(metrics).toContain(`wardlink_cloud_gateway_quarantined_batches${labels} 1`);
    expect(metrics).toContain('wardlink_cloud_gateway_devices{hospital="fh1",gateway="fh1-gw",state="down"} 1');
    expect(metrics).toMatch(new RegExp(`wardlink_cloud_gateway_last_seen_seconds${labels} \\d{10}`));
    expect(metrics).not.toContain('gateway="fh2-gw"');
  });
});
