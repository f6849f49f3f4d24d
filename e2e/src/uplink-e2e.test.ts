/**
 * End to end with real parts: the ward simulator publishes over MQTT (QoS 1) to a real
 * gateway, whose uplink sends to the real cloud on real PostgreSQL. Every reading must
 * arrive exactly once, with the right values, bed and patient; alarm events too.
 */
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWard, toMqttMessage } from '@wardlink/simulator';
import { startTestService, type TestService, useTestDatabase, checkCloud, registerGateway } from '@wardlink/cloud/testing';
import type { GatewayDaemon } from '@wardlink/gateway';
import { createTestGateway, startDaemon, type TestGateway } from '@wardlink/gateway/testing';

const GW = 'gw-e2e';
const db = useTestDatabase();
let cloud: TestService;
let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;

beforeAll(async () => {
  cloud = await startTestService(db.connectionString);
});
afterAll(async () => {
  await daemon?.stop();
  gw?.cleanup();
  await cloud?.service.stop();
});

async function waitFor(cond: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) {
      console.log('waiting for:', JSON.stringify(daemon?.uplink?.status()), daemon?.pipeline.storedTotal);
      throw new Error('waitFor: timed out');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('simulator -> MQTT -> gateway -> uplink -> cloud -> PostgreSQL', () => {
  it('stores every reading exactly once with its values, bed and patient', async () => {
    const token = await registerGateway(db.pool, GW);
    // 90 s of the ward around its first sensor-off or invalid marker, so that technical
    // alarms are raised (they have no condition delay) and their events travel too. The
    // ward is placed so that those 90 s end just before now: monitors send live data, and
    // a gateway rightly distrusts a device whose first records are hours old.
    const firstArtifact = (w: ReturnType<typeof createWard>) => w.schedule(w.startMs + 60_000, w.startMs + 5 * 3_600_000).find((e) => e.kind === 'sensor-off' || e.kind === 'invalid-marker')!;
    const probe = createWard({ beds: 12, seed: 11, startMs: Math.floor((Date.now() - 6 * 3_600_000) / 1000) * 1000, gatewayId: GW });
    const offset = firstArtifact(probe).startMs - 30_000 - probe.startMs;
    const wardStart = Math.floor((Date.now() - 100_000 - offset) / 1000) * 1000;
    const ward = createWard({ beds: 12, seed: 11, startMs: wardStart, gatewayId: GW });
    const start = firstArtifact(ward).startMs - 30_000;
    const end = start + 90_000;
    expect(end).toBeLessThan(Date.now());
    gw = await createTestGateway({
      beds: ward.beds.map((b) => b.bedId),
      devices: ward.beds.map((b) => ({ deviceId: b.deviceId, kind: 'mqtt' as const, bedId: b.bedId, format: 'mqtt-json' })),
      patients: Object.fromEntries(ward.beds.map((b) => [b.bedId, b.patientId])),
      raw: { gatewayId: GW, cloud: { url: cloud.url, token, maxBatchReadings: 300, maxBatchAgeMs: 200 } },
    });
    // Batches of 300 readings (~2.5 s of this ward): larger batches of this smooth data
    // encode below 1 byte per reading, which the shared codec's decoder currently refuses
    // as corrupt (frame.ts: readingCount > payloadBytes); reported, not ours to change.
    daemon = await startDaemon(gw);

    const clients = new Map(
      await Promise.all(
        ward.beds.map(async (b) => {
          const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon!.ports.mqtt}`, { username: b.deviceId, password: gw!.passwords.get(b.deviceId)!, clientId: b.deviceId, reconnectPeriod: 0 });
          return [b.deviceId, client] as const;
        }),
      ),
    );
    // Every device publishes its records in ward time order (as fast as QoS 1 allows).
    const acks: Promise<unknown>[] = [];
    for (const record of ward.recordsBetween(start, end)) {
      const m = toMqttMessage(record);
      acks.push(clients.get(record.deviceId)!.publishAsync(m.topic, m.payload, { qos: 1 }));
    }
    await Promise.all(acks);
    await Promise.all([...clients.values()].map((c) => c.endAsync()));
    const expected = ward.readingsBetween(start, end);
    await waitFor(async () => {
      const s = daemon!.uplink!.status();
      if (daemon!.pipeline.storedTotal < expected.length || s.backlogReadings > 0 || s.backlogAlarms > 0 || s.inFlight > 0) return false;
      const inCloud = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data WHERE gateway_id = $1', [GW]);
      return inCloud.rows[0]!.n >= expected.length;
    }, 20_000);

    const check = await checkCloud(db.pool, GW, expected);
    const uploaded = daemon.database.db.prepare('SELECT event_id FROM alarm_events WHERE uploaded_at_ms IS NOT NULL ORDER BY event_id').pluck().all() as string[];
    const inCloud = await db.pool.query<{ event_id: string }>('SELECT event_id FROM alarm_events WHERE gateway_id = $1 ORDER BY event_id', [GW]);
    console.log(`end to end: ${JSON.stringify(check)}; alarm events uploaded ${uploaded.length}, in the cloud ${inCloud.rowCount}`);
    expect(expected.length).toBeGreaterThan(8000);
    expect(check).toEqual({ expected: expected.length, stored: expected.length, missing: 0, wrong: 0, duplicated: 0 });
    expect(uploaded.length).toBeGreaterThan(0);
    expect(inCloud.rows.map((r) => r.event_id)).toEqual(uploaded);
    const status = daemon.uplink!.status();
    expect(status).toMatchObject({ up: true, breaker: 'closed', lastError: null, readingsSent: expected.length });
    const metrics = await daemon.metrics.text();
    expect(metrics).toContain(`wardlink_gateway_uplink_readings_sent_total ${expected.length}`);
    expect(metrics).toContain('wardlink_gateway_uplink_breaker_state{state="closed"} 1');
    // 60 s: on a Citus cluster (WARDLINK_TEST_CITUS=1) three PostgreSQL servers share the
    // machine with the gateway; the daemon's start alone took 8 s on a loaded 2-core box.
  }, 60_000);
});
