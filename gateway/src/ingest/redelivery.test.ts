/**
 * A redelivered message is stored once (buffer/recent-records.ts), on the real daemon: an
 * MQTT QoS 1 message sent again after a gateway restart (its PUBACK was lost), an HL7
 * message resent after a lost ACK. A different message at the same time (an NIBP record
 * beside the numerics) is not a copy and is kept.
 */
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GatewayDaemon } from '../daemon.js';
import { createTestGateway, startDaemon, type TestGateway } from '../testing/fixture.js';
import { formatHl7Time } from './formats/hl7/timestamp.js';
import { MllpClient } from './testing/mllp-client.js';

let gw: TestGateway;
let daemon: GatewayDaemon;

beforeEach(async () => {
  gw = await createTestGateway({
    beds: ['bed-01', 'bed-02'],
    patients: { 'bed-01': 'P1', 'bed-02': 'P2' },
    devices: [
      { deviceId: 'mon-1', kind: 'mqtt', bedId: 'bed-01', format: 'mqtt-json' },
      { deviceId: 'mon-2', kind: 'tcp-hl7', bedId: 'bed-02', format: 'hl7-mllp', matchId: 'MON-2' },
    ],
  });
  daemon = await startDaemon(gw);
});
afterEach(async () => {
  await daemon.stop();
  gw.cleanup();
});

function stored(deviceId: string): { metric: string; device_time_ms: number; value: number }[] {
  const db = new Database(gw.config.databasePath, { readonly: true });
  try {
    return db.prepare('SELECT metric, device_time_ms, value FROM readings WHERE device_id = ? ORDER BY id').all(deviceId) as never;
  } finally {
    db.close();
  }
}

const duplicates = async () => Number(/^wardlink_gateway_duplicate_readings_total (\d+)/m.exec(await daemon.metrics.text())?.[1]);

describe('a redelivered message', () => {
  it('over MQTT, sent again after a gateway restart, is PUBACKed and stored once', async () => {
    const ts = Date.now() - 2000;
    const payload = JSON.stringify({ ts, readings: { HR: 72, SPO2: 97 } });
    const options = { username: 'mon-1', password: gw.passwords.get('mon-1')!, reconnectPeriod: 0 };
    const first = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, options);
    await first.publishAsync('wardlink/devices/mon-1/readings', payload, { qos: 1 });
    await first.endAsync();
    await daemon.stop();
    daemon = await startDaemon(gw);
    const again = await mqtt.connectAsync(`mqtt://127.0.0.1:${daemon.ports.mqtt}`, options);
    await again.publishAsync('wardlink/devices/mon-1/readings', payload, { qos: 1 }); // the device saw no PUBACK
    // The NIBP measured at the same second is another message, not a copy.
    await again.publishAsync('wardlink/devices/mon-1/readings', JSON.stringify({ ts, readings: { NIBP_SYS: 121, NIBP_DIA: 79 } }), { qos: 1 });
    await again.endAsync();
    expect(stored('mon-1').map((r) => [r.metric, r.device_time_ms])).toEqual([
      ['HR', ts],
      ['SPO2', ts],
      ['NIBP_SYS', ts],
      ['NIBP_DIA', ts],
    ]);
    expect(await duplicates()).toBe(2);
  });

  it('over HL7, resent after a lost ACK (and twice in one burst), is ACKed AA each time and stored once', async () => {
    const t = Date.now() - 1000;
    const message = [
      `MSH|^~\\&|MON-2|WARD||WARDLINK|${formatHl7Time(t)}||ORU^R01^ORU_R01|M1|P|2.6`,
      `OBR|1|||182777000^monitoring of patient^SCT|||${formatHl7Time(t)}`,
      'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.1.1.150456|97|262688^MDC_DIM_PERCENT^MDC|||||R',
      'OBX|2|NM|147842^MDC_ECG_HEART_RATE^MDC|1.1.2.147842|64|264864^MDC_DIM_BEAT_PER_MIN^MDC|||||R',
    ].join('\r');
    const client = await MllpClient.open(daemon.ports.hl7);
    expect((await client.request(message))[1]).toBe('AA');
    client.send(message);
    client.send(message);
    const acks = await client.waitForAcks(3);
    expect(acks.map((a) => /MSA\|(\w+)/.exec(a)?.[1])).toEqual(['AA', 'AA', 'AA']);
    expect(stored('mon-2')).toHaveLength(2);
    expect(await duplicates()).toBe(4);
    client.socket.destroy();
  });
});
