/**
 * The nurse station's trend route on a running gateway, over real HTTP and the real
 * SQLite buffer: min/max buckets (a short spike survives downsampling), at most
 * TREND_BUCKETS points, flagged values left out, alarm marks, bounded input with stable
 * codes, and no trends for someone not signed in.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../../testing/fixture.js';
import { WebClient } from '../../testing/web-client.js';
import { seedHistory } from './testing/seed-history.js';
import type { BedTrend } from './trend-query.js';
import { TREND_BUCKETS } from './trend-route.js';

let gw: TestGateway;
let daemon: GatewayDaemon;
let nurse: WebClient;
const NOW = Date.now();
const SPIKE_AT = NOW - 30 * 60_000;

describe('GET /api/trend', () => {
  beforeAll(async () => {
    gw = await createTestGateway({ beds: ['bed-01', 'bed-02'], devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }] });
    // 25 h of a record every 5 s: HR steady at 70-79 with one 5 s spike to 180; SpO2 sensor off for 10 min.
    seedHistory(gw.config.databasePath, {
      bedId: 'bed-01',
      deviceId: 'mon-1',
      fromMs: NOW - 25 * 3_600_000,
      toMs: NOW - 1000,
      everyMs: 5000,
      values: { HR: (t) => (Math.abs(t - SPIKE_AT) < 2500 ? 180 : 70 + (Math.floor(t / 5000) % 10)), SPO2: () => 97 },
      flags: (m, t) => (m === 'SPO2' && t > NOW - 20 * 60_000 && t < NOW - 10 * 60_000 ? 2 : 0),
      alarms: [
        { alarmId: 'a1', metric: 'HR', priority: 'high', phase: 'raised', timeMs: SPIKE_AT, value: 180 },
        { alarmId: 'a1', metric: 'HR', priority: 'high', phase: 'cleared', timeMs: SPIKE_AT + 5000, value: 75 },
        { alarmId: 'a0', metric: 'HR', priority: 'medium', phase: 'raised', timeMs: NOW - 26 * 3_600_000, value: 130 },
        { alarmId: 'a0', metric: 'HR', priority: 'medium', phase: 'cleared', timeMs: NOW - 26 * 3_600_000 + 5000, value: 80 },
      ],
    });
    daemon = await startDaemon(gw);
    nurse = await WebClient.as(gw.config, `http://127.0.0.1:${daemon.ports.http}`, 'nurse');
  });
  afterAll(async () => {
    await daemon?.stop();
    gw?.cleanup();
  });

  it('answers the last hour in min/max buckets, keeping a 5 s spike', async () => {
    const res = await nurse.get('/api/trend?bed=bed-01&hours=1');
    expect(res.status).toBe(200);
    const trend = (await res.json()) as BedTrend;
    expect(trend.bucketMs).toBe(12_000);
    expect(trend.toMs - trend.fromMs).toBe(3_600_000);
    const hr = trend.series.HR!;
    expect(hr.length).toBeGreaterThan(TREND_BUCKETS - 5);
    expect(hr.length).toBeLessThanOrEqual(TREND_BUCKETS);
    expect(Math.max(...hr.map((b) => b.max))).toBe(180);
    expect(Math.min(...hr.map((b) => b.min))).toBe(70);
    // The SpO2 buckets of the sensor-off 10 minutes are left out, not drawn at 0 or -999.
    const spo2 = trend.series.SPO2!;
    expect(spo2.every((b) => b.min === 97 && b.max === 97)).toBe(true);
    expect(spo2.filter((b) => b.t > NOW - 19 * 60_000 && b.t < NOW - 11 * 60_000)).toEqual([]);
    expect(trend.marks.map((m) => [m.alarmId, m.phase])).toEqual([['a1', 'raised'], ['a1', 'cleared']]);
  });

  it('answers 24 h in at most TREND_BUCKETS buckets per metric, one metric when asked', async () => {
    const trend = (await (await nurse.get('/api/trend?bed=bed-01&hours=24&metric=HR')).json()) as BedTrend;
    expect(Object.keys(trend.series)).toEqual(['HR']);
    expect(trend.series.HR!.length).toBe(TREND_BUCKETS);
    expect(trend.bucketMs).toBe(288_000);
    expect(Math.max(...trend.series.HR!.map((b) => b.max))).toBe(180);
    expect(trend.marks.map((m) => m.alarmId)).toEqual(['a1', 'a1']); // the 26 h old one is out
  });

  it('refuses bad input with stable codes, and strangers', async () => {
    const codeOf = async (path: string, client: { get(p: string): Promise<Response> } = nurse) => {
      const res = await client.get(path);
      return [res.status, ((await res.json()) as { error: { code: string; detail?: { param?: string } } }).error] as const;
    };
    expect(await codeOf('/api/trend?bed=bed-01&hours=2')).toMatchObject([400, { code: 'WL_TREND_BAD_QUERY', detail: { param: 'hours' } }]);
    expect(await codeOf('/api/trend?bed=bed-01&metric=NOPE')).toMatchObject([400, { code: 'WL_TREND_BAD_QUERY', detail: { param: 'metric' } }]);
    expect(await codeOf(`/api/trend?bed=${'x'.repeat(65)}`)).toMatchObject([400, { code: 'WL_TREND_BAD_QUERY', detail: { param: 'bed' } }]);
    expect(await codeOf('/api/trend?bed=bed-99')).toMatchObject([404, { code: 'WL_BED_NOT_FOUND' }]);
    expect((await nurse.get('/api/trend?bed=bed-02&hours=24').then((r) => r.json()))).toMatchObject({ series: {}, marks: [] });
    const stranger = new WebClient(nurse.baseUrl, null);
    expect((await stranger.get('/api/trend?bed=bed-01')).status).toBe(401);
  });
});
