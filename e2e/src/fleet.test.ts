/**
 * The fleet view end to end, with real parts: a real gateway (MQTT in, SQLite buffer,
 * uplink) uploads to the real cloud service on real PostgreSQL through a real HTTP
 * proxy that can damage the status documents on their way. Its status shows in
 * GET /v1/hospitals/{h}/gateways, in `wardlink-cloud gateway list` (a real CLI process)
 * and in the cloud's /metrics; a bad status is refused with a code while its batches
 * still land; a stopped gateway turns `silent`. Then docs/alerts.yml and
 * docs/grafana-dashboard.json are checked against both daemons' real /metrics.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWard, toMqttMessage } from '@wardlink/simulator';
import { registerGateway, startTestService, useTestDatabase, type TestService } from '@wardlink/cloud/testing';
import type { GatewayDaemon } from '@wardlink/gateway';
import { createTestGateway, operatorHeaders, startDaemon, type TestGateway } from '@wardlink/gateway/testing';
import { parseYamlSubset } from './fleet-yaml.js';

const GW = 'gw-fleet';
const HOSPITAL = 'h-fleet';
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLOUD_CLI = fileURLToPath(new URL('../../cloud/src/cli/main.ts', import.meta.url));
const GATEWAY_VERSION = (JSON.parse(readFileSync(new URL('../../gateway/package.json', import.meta.url), 'utf8')) as { version: string }).version;

const db = useTestDatabase();
let cloud: TestService;
let proxy: StatusProxy;
let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;
let readerToken: string;
let gatewayMetricsText = '';

/** Forwards every request to the cloud; in `malformed` or `oversized` mode it replaces
 * the body of each POST /v1/gateways/status (batches always pass untouched). */
interface StatusProxy {
  url: string;
  mode: 'pass' | 'malformed' | 'oversized';
  server: Server;
}

async function startStatusProxy(target: string): Promise<StatusProxy> {
  const p: StatusProxy = { url: '', mode: 'pass', server: createServer() };
  p.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Buffer | string = Buffer.concat(chunks);
      if (req.url === '/v1/gateways/status' && p.mode === 'malformed') body = '{"v":1,"gatewayId":';
      if (req.url === '/v1/gateways/status' && p.mode === 'oversized') body = JSON.stringify({ v: 1, padding: 'x'.repeat(10_000) });
      const headers: Record<string, string> = {};
      for (const h of ['authorization', 'content-type', 'idempotency-key', 'traceparent']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h];
      fetch(`${target}${req.url}`, { method: req.method!, headers, body: req.method === 'GET' ? undefined : body })
        .then(async (answer) => {
          const text = await answer.text();
          const out: Record<string, string> = { 'content-type': answer.headers.get('content-type') ?? 'application/json' };
          const retryAfter = answer.headers.get('retry-after');
          if (retryAfter) out['retry-after'] = retryAfter;
          res.writeHead(answer.status, out).end(text);
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((r) => p.server.listen(0, '127.0.0.1', r));
  p.url = `http://127.0.0.1:${(p.server.address() as AddressInfo).port}`;
  return p;
}

function cloudCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLOUD_CLI, ...args], { cwd: ROOT, env: { ...process.env, DATABASE_URL: db.connectionString, LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readingsInCloud(): Promise<number> {
  return (await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data WHERE gateway_id = $1', [GW])).rows[0]!.n;
}

/** Publishes `seconds` of a 2-bed ward ending just before now; returns the readings sent. */
async function publishWard(seconds: number, seed: number): Promise<number> {
  const end = Math.floor((Date.now() - 1_000) / 1000) * 1000;
  const ward = createWard({ beds: 2, seed, startMs: end - seconds * 1000 - 60_000, gatewayId: GW });
  const start = end - seconds * 1000;
  const devices = ward.beds.map((b) => b.deviceId);
  const clients = new Map(
    await Promise.all(
      devices.map(async (d) => [d, await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon!.ports.mqtt}`, { username: d, password: gw!.passwords.get(d)!, clientId: `${d}-${seed}`, reconnectPeriod: 0 })] as const),
    ),
  );
  const acks: Promise<unknown>[] = [];
  for (const record of ward.recordsBetween(start, end)) {
    const m = toMqttMessage(record);
    acks.push(clients.get(record.deviceId)!.publishAsync(m.topic, m.payload, { qos: 1 }));
  }
  await Promise.all(acks);
  await Promise.all([...clients.values()].map((c) => c.endAsync()));
  return ward.readingsBetween(start, end).length;
}

function metricNames(exprs: string[]): string[] {
  return [...new Set(exprs.flatMap((e) => e.match(/\bwardlink_[a-z0-9_]+/g) ?? []))].sort();
}

/** Exported: a sample line of the name, or (a labelled counter not incremented yet, a
 * histogram's _bucket/_sum/_count) its # TYPE line. */
function isExported(name: string, text: string): boolean {
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return new RegExp(`^${name}[{ ]`, 'm').test(text) || new RegExp(`^# TYPE (${name}|${base}) `, 'm').test(text);
}

beforeAll(async () => {
  cloud = await startTestService(db.connectionString);
  proxy = await startStatusProxy(cloud.url);
  const token = await registerGateway(db.pool, GW, HOSPITAL);
  const reader = await cloudCli(['reader', 'add', '--hospital', HOSPITAL, '--name', 'fleet test', '--json']);
  expect(reader.code, reader.stderr).toBe(0);
  readerToken = (JSON.parse(reader.stdout) as { token: string }).token;
  const ward = createWard({ beds: 2, seed: 5, startMs: Date.now(), gatewayId: GW });
  gw = await createTestGateway({
    beds: ward.beds.map((b) => b.bedId),
    devices: ward.beds.map((b) => ({ deviceId: b.deviceId, kind: 'mqtt' as const, bedId: b.bedId, format: 'mqtt-json' })),
    patients: Object.fromEntries(ward.beds.map((b) => [b.bedId, b.patientId])),
    // Devices stay `connected` for the whole test (the default turns them silent 10 s after the last message).
    raw: { gatewayId: GW, cloud: { url: proxy.url, token, maxBatchReadings: 300, maxBatchAgeMs: 200 }, ingest: { silentAfterMs: 600_000 } },
  });
  daemon = await startDaemon(gw);
}, 120_000);

afterAll(async () => {
  await daemon?.stop();
  gw?.cleanup();
  await new Promise((r) => proxy?.server.close(r));
  await cloud?.service.stop();
});

describe('the fleet view: gateway -> cloud -> route, CLI, metrics', () => {
  it('shows a live gateway as ok with its version, backlog, skew and devices', async () => {
    const sent = await publishWard(20, 7);
    await waitFor(async () => (await readingsInCloud()) >= sent, 60_000, 'the readings in the cloud');
    // A status sent after the last upload (at most 5 s later) reports the backlog drained.
    const landedAtMs = Date.now();
    await waitFor(async () => {
      const row = await db.pool.query<{ status: { sentAtMs: number; backlog: { readings: number } } }>('SELECT status FROM gateway_status WHERE gateway_id = $1', [GW]);
      return row.rowCount === 1 && row.rows[0]!.status.sentAtMs > landedAtMs && row.rows[0]!.status.backlog.readings === 0;
    }, 60_000, 'a status sent after the upload');

    const res = await fetch(`${cloud.url}/v1/hospitals/${HOSPITAL}/gateways`, { headers: { authorization: `Bearer ${readerToken}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { gateways: Array<Record<string, unknown> & { clockSkewS: number; lastSeenAgeS: number }> };
    expect(body.gateways).toHaveLength(1);
    const g = body.gateways[0]!;
    expect(g).toMatchObject({ gatewayId: GW, state: 'ok', version: GATEWAY_VERSION, uplinkUp: true, quarantinedBatches: 0, alarmsActive: expect.any(Number), backlog: { readings: 0, batches: 0 }, devices: { up: 2, down: 0 } });
    expect((g.disk as { freeBytes: number }).freeBytes).toBeGreaterThan(0);
    expect(Math.abs(g.clockSkewS)).toBeLessThan(5);
    expect(g.lastSeenAgeS).toBeLessThan(60);

    const list = await cloudCli(['gateway', 'list', '--hospital', HOSPITAL, '--json']);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual([expect.objectContaining({ gatewayId: GW, state: 'ok', version: GATEWAY_VERSION, status: 'active', devices: '2 up / 0 down' })]);
    const human = await cloudCli(['gateway', 'list', '--hospital', HOSPITAL]);
    expect(human.stdout).toMatch(/STATE\s+LASTSEEN\s+VERSION\s+BACKLOG\s+SKEWS/);
    expect(human.stdout).toContain(`${GW} `);

    const metrics = await (await fetch(`${cloud.url}/metrics`)).text();
    expect(metrics).toMatch(new RegExp(`^wardlink_cloud_gateway_last_seen_seconds\\{hospital="${HOSPITAL}",gateway="${GW}"\\} \\d{10}`, 'm'));
    expect(metrics).toContain(`wardlink_cloud_gateway_devices{hospital="${HOSPITAL}",gateway="${GW}",state="up"} 2`);
    expect(await daemon!.metrics.text()).toMatch(/^wardlink_gateway_fleet_status_total\{result="sent"\} [1-9]/m);
  }, 180_000);

  it('refuses a malformed or oversized status with a stable code, and the batches still land', async () => {
    const before = await readingsInCloud();
    proxy.mode = 'malformed';
    const sender = daemon!.uplink!.fleetStatus!;
    expect(await sender.send()).toBe('refused');
    expect(sender.last).toMatchObject({ status: 400, code: 'WL_FLEET_STATUS_INVALID' });
    const sent = await publishWard(10, 8);
    proxy.mode = 'oversized';
    expect(await sender.send()).toBe('refused');
    expect(sender.last).toMatchObject({ status: 413, code: 'WL_FLEET_STATUS_TOO_LARGE' });
    await waitFor(async () => (await readingsInCloud()) >= before + sent, 60_000, 'the batches sent while statuses were refused');
    expect(daemon!.uplink!.status()).toMatchObject({ up: true, lastError: null, batchesQuarantined: 0 });
    expect(await daemon!.metrics.text()).toMatch(/^wardlink_gateway_fleet_status_total\{result="refused"\} [2-9]/m);
    const cloudMetrics = await (await fetch(`${cloud.url}/metrics`)).text();
    expect(cloudMetrics).toMatch(/^wardlink_cloud_gateway_status_errors_total\{code="WL_FLEET_STATUS_INVALID"\} [1-9]/m);
    expect(cloudMetrics).toMatch(/^wardlink_cloud_gateway_status_errors_total\{code="WL_FLEET_STATUS_TOO_LARGE"\} [1-9]/m);
    proxy.mode = 'pass';
    expect(await sender.send()).toBe('sent');
  }, 180_000);

  it('every metric named in docs/alerts.yml and docs/grafana-dashboard.json is exported by the daemon that should', async () => {
    const cloudText = await (await fetch(`${cloud.url}/metrics`)).text();
    const res = await fetch(`http://127.0.0.1:${daemon!.ports.http}/metrics`, { headers: operatorHeaders(daemon!) });
    expect(res.status).toBe(200);
    gatewayMetricsText = await res.text();
    const exported = (name: string) => (name.startsWith('wardlink_cloud_') ? isExported(name, cloudText) : name.startsWith('wardlink_gateway_') ? isExported(name, gatewayMetricsText) : false);

    const rules = parseYamlSubset(readFileSync(new URL('../../docs/alerts.yml', import.meta.url), 'utf8')) as { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; labels?: Record<string, string> }> }> };
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert).sort()).toEqual(['WardlinkGatewayBacklogOld', 'WardlinkGatewayClockSkew', 'WardlinkGatewayDiskLow', 'WardlinkGatewayQuarantinedBatch', 'WardlinkGatewaySeqReused', 'WardlinkGatewaySilent']);
    for (const a of alerts) expect(a.labels?.severity, a.alert).toMatch(/^(critical|warning)$/);
    const alertMetrics = metricNames(alerts.map((a) => a.expr));
    expect(alertMetrics.length).toBeGreaterThanOrEqual(6);
    expect(alertMetrics.filter((m) => !exported(m))).toEqual([]);

    const dashboard = JSON.parse(readFileSync(new URL('../../docs/grafana-dashboard.json', import.meta.url), 'utf8')) as { panels: Array<{ type: string; targets?: Array<{ expr: string }> }> };
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    const names = metricNames(exprs);
    expect(names.some((n) => n.startsWith('wardlink_cloud_'))).toBe(true);
    expect(names.some((n) => n.startsWith('wardlink_gateway_'))).toBe(true);
    expect(names.filter((m) => !exported(m))).toEqual([]);
    // the check itself catches a name no daemon exports
    expect(exported('wardlink_cloud_gateway_no_such_metric')).toBe(false);
  }, 30_000);

  it('turns a stopped gateway silent', async () => {
    await daemon!.stop();
    daemon = undefined;
    await new Promise((r) => setTimeout(r, 3_500));
    const silent = await cloudCli(['gateway', 'list', '--hospital', HOSPITAL, '--silent-after', '2', '--json']);
    expect(silent.code, silent.stderr).toBe(0);
    expect(JSON.parse(silent.stdout)[0]).toMatchObject({ gatewayId: GW, state: 'silent' });
    // with the default threshold (120 s) the same gateway is still ok
    const normal = await cloudCli(['gateway', 'list', '--hospital', HOSPITAL, '--json']);
    expect(JSON.parse(normal.stdout)[0]).toMatchObject({ gatewayId: GW, state: 'ok' });
  }, 120_000);
});
