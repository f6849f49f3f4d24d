/**
 * Fault tests against the real cloud (`wardlink-cloud serve` as a child process, real
 * PostgreSQL): the cloud SIGKILLed mid-stream and restarted, and the cloud not listening
 * for minutes of (simulated) time. In each: 0 readings lost, 0 duplicated.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase, checkCloud, registerGateway, spawnCloud, type CloudProcess } from '@wardlink/cloud/testing';
import { alarmMigrations, openAlarmService, type AlarmService } from '@wardlink/gateway';
import { wardReadings, createUplinkHarness, type UplinkHarness } from '@wardlink/gateway/testing';

const db = useTestDatabase();
let cloud: CloudProcess;
let h: UplinkHarness | undefined;
let alarms: AlarmService | undefined;

beforeAll(async () => {
  cloud = await spawnCloud(db.connectionString);
});
afterEach(async () => {
  alarms?.stop();
  await h?.close();
  h = undefined;
  alarms = undefined;
});
afterAll(async () => {
  await cloud?.kill();
});

const settings = { maxBatchReadings: 2000, concurrency: 4, backoffBaseMs: 200, backoffMaxMs: 10_000, breakerFailureThreshold: 3, breakerOpenMs: 1000 };

describe('uplink faults with the real cloud', () => {
  it('loses and duplicates nothing when the cloud is SIGKILLed mid-stream and restarted on the same database', async () => {
    const gw = 'gw-kill';
    const token = await registerGateway(db.pool, gw);
    h = createUplinkHarness({ url: cloud.url, token, ...settings }, { gatewayId: gw });
    const readings = wardReadings(0, 60_000, 50, gw);
    await h.append(readings);
    let duplicates = 0;
    let sent = 0;
    h.uplink.on('sent', (_b, info) => {
      sent += 1;
      if (info.duplicate) duplicates += 1;
    });
    h.uplink.start();
    await h.runUntil(() => sent >= 4 && h!.uplink.status().inFlight > 0, { stepMs: 5 });
    await cloud.kill();
    await h.runUntil(() => !h!.uplink.status().up, { stepMs: 50 });
    expect(h.uplink.status().lastError).toMatchObject({ kind: 'retry', code: expect.stringMatching(/^WL_UPLINK_NETWORK$/) });
    cloud = await spawnCloud(db.connectionString, cloud.port);
    await h.runUntil(() => h!.uplink.status().backlogReadings === 0 && h!.uplink.status().inFlight === 0, { stepMs: 250, realTimeoutMs: 20_000 });

    const check = await checkCloud(db.pool, gw, readings);
    console.log(`cloud killed mid-stream: ${JSON.stringify(check)}, batches ${sent}, answered as duplicates ${duplicates}`);
    expect(check).toEqual({ expected: 60_000, stored: 60_000, missing: 0, wrong: 0, duplicated: 0 });
    expect(h.states.map((s) => s.up)).toEqual([false, true]);
  }, 60_000);

  it('keeps everything through minutes of the cloud not listening, raises uplink-down for IT, then drains it all, alarm first', async () => {
    const gw = 'gw-away';
    const token = await registerGateway(db.pool, gw);
    h = createUplinkHarness(
      { url: cloud.url, token, ...settings },
      { gatewayId: gw, extraMigrations: alarmMigrations, onUplinkState: (up, since) => alarms?.engine.onUplinkState(up, since) },
    );
    alarms = openAlarmService(h.store.db, { clock: h.clock, sink: h.writer, uplinkDownAfterMs: 10 * 60_000 });
    alarms.start();
    const first = wardReadings(0, 4000, 50, gw);
    await h.append(first);
    h.uplink.start();
    await h.runUntil(() => h!.uplink.status().readingsSent === 4000, { stepMs: 100 });
    const lastSuccess = h.clock.now();

    await cloud.kill();
    const during = wardReadings(4000, 24_000, 50, gw);
    await h.append(during);
    const transitions: string[] = [];
    h.uplink.on('breaker', (s) => transitions.push(s));
    // 15 minutes of simulated time without a cloud.
    await h.runUntil(() => h!.clock.now() - lastSuccess >= 15 * 60_000, { stepMs: 5_000, realTimeoutMs: 15_000 });
    const s = h.uplink.status();
    expect(s).toMatchObject({ up: false, breaker: expect.stringMatching(/open|half-open/), backlogReadings: 20_000, lastError: { code: 'WL_UPLINK_NETWORK' } });
    expect(transitions.slice(0, 3)).toEqual(['open', 'half-open', 'open']);
    // The breaker kept probing all along, one probe at most every backoffMaxMs (10 s) once
    // the cooldown reached its cap: about 90 in 15 minutes, not thousands of uploads.
    const probes = transitions.filter((t) => t === 'half-open').length;
    expect(probes).toBeGreaterThanOrEqual(30);
    expect(probes).toBeLessThanOrEqual(15 * 6 + 5);
    expect(h.states[0]).toEqual({ up: false, sinceMs: lastSuccess, atMs: expect.any(Number) });
    const active = alarms.engine.activeAlarms().map((a) => a.condition);
    expect(active).toContain('uplink-down');

    const lastBuilt = h.store.db.prepare('SELECT max(seq) FROM outbox_batches').pluck().get() as number;
    cloud = await spawnCloud(db.connectionString, cloud.port);
    await h.runUntil(() => h!.uplink.status().up && h!.uplink.status().backlogReadings === 0 && h!.uplink.status().backlogAlarms === 0 && h!.uplink.status().inFlight === 0, {
      stepMs: 500,
      realTimeoutMs: 20_000,
    });
    const check = await checkCloud(db.pool, gw, [...first, ...during]);
    console.log(`cloud away 15 simulated minutes: ${JSON.stringify(check)}, breaker half-open probes ${probes}`);
    expect(check).toEqual({ expected: 24_000, stored: 24_000, missing: 0, wrong: 0, duplicated: 0 });
    // The uplink-down alarm raised during the outage reached the cloud in the first batch
    // built after it (the batches pending from before the outage go out first, unchanged).
    const cloudAlarms = await db.pool.query<{ phase: string; batch_seq: string }>("SELECT phase, batch_seq FROM alarm_events WHERE gateway_id = $1 AND condition = 'uplink-down' ORDER BY t", [gw]);
    expect(cloudAlarms.rows[0]).toEqual({ phase: 'raised', batch_seq: String(lastBuilt + 1) });
  }, 60_000);
});
