/**
 * alarms.engine reaches the running daemon's engine: a comm-loss threshold set for the
 * mqtt-json format in the config file raises comm-loss after that long, not after the
 * 5 s default.
 */
import mqtt from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';

let gw: TestGateway | undefined;
let daemon: GatewayDaemon | undefined;
afterEach(async () => {
  await daemon?.stop();
  gw?.cleanup();
});

describe('alarms.engine in the config file', () => {
  it('sets the comm-loss threshold of a format on the running engine', async () => {
    gw = await createTestGateway({
      beds: ['bed-01'],
      devices: [{ deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' }],
      raw: { alarms: { engine: { commLoss: { byFormat: { 'mqtt-json': 1_000 } }, sweepEveryMs: 50 } } },
    });
    daemon = await startDaemon(gw);
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, { username: 'mon-1', password: gw.passwords.get('mon-1')!, clientId: 'mon-1', reconnectPeriod: 0 });
    // Taken before the publish: the gateway hears the reading before its PUBACK, which
    // follows the group commit (up to buffer.maxCommitDelayMs later).
    const heard = Date.now();
    await client.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts: Date.now(), readings: { HR: 72 } }), { qos: 1 });
    await client.endAsync();
    const commLoss = () => daemon!.alarms.engine.activeAlarms().find((a) => a.condition === 'comm-loss');
    const deadline = heard + 4_000; // well before the 5 s default
    while (!commLoss() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(commLoss(), 'comm-loss within 4 s of the last reading').toBeDefined();
    expect(Date.now() - heard).toBeGreaterThanOrEqual(900);
  });
});
