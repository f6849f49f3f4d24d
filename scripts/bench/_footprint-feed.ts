/**
 * The ward's monitors in real time for `pnpm bench gateway-footprint`: the seeded
 * simulator (1 Hz records of every bed, NIBP every 15 min), each MQTT bed publishing QoS 1
 * with its own credentials, each serial bed writing HL7 (MLLP) to its pseudo-terminal.
 * Adapted from the demo's feed (scripts/demo/feed.ts), which drives one serial bed only.
 * Each monitor sends on its own clock, so the feed ticks every 20 ms: it ticked every
 * 250 ms before, which sent the ward in bursts of ~15 records and made the gateway's group
 * commits look fuller than a ward's spread-out arrivals make them. The PUBACK latency of
 * each MQTT publish is kept (`ackMs`), for what the group commit's wait costs devices.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { createWard, mllpFrame, toHl7Message, toMqttMessage } from '@wardlink/simulator';
import { deviceOf } from './_footprint-ward.js';

export interface FootprintFeed {
  published: number;
  /** Readings (values) in the MQTT records published so far: the per-reading divisor of a
   * broker that commits nothing (the bare-aedes baseline). */
  mqttReadings: number;
  /** PUBACK latency of each MQTT publish since the last reset, ms. */
  ackMs: number[];
  stop(): Promise<void>;
}

async function openSerial(path: string): Promise<SerialPort> {
  const port = new SerialPort({ path, baudRate: 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  port.on('data', () => undefined); // the gateway's ACKs
  return port;
}

export async function startFootprintFeed(opts: { beds: number; mqttPort: number; passwords: Map<string, string>; serialMonitors: Map<string, string>; seed: number; onError: (message: string) => void }): Promise<FootprintFeed> {
  const clients = new Map<string, MqttClient>();
  for (const [deviceId, password] of opts.passwords) {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${opts.mqttPort}`, { username: deviceId, password, clientId: deviceId });
    // A reset connection is the gateway's business (it counts it); the bench must not crash on it.
    client.on('error', (err) => opts.onError(`${deviceId}: ${err.message}`));
    clients.set(deviceId, client);
  }
  const serials = new Map<string, SerialPort>();
  for (const [deviceId, path] of opts.serialMonitors) {
    const port = await openSerial(path);
    port.on('error', (err) => opts.onError(`${deviceId}: ${err.message}`));
    serials.set(deviceId, port);
  }
  const ward = createWard({ beds: opts.beds, seed: opts.seed, startMs: Date.now() });
  const feed: FootprintFeed = { published: 0, mqttReadings: 0, ackMs: [], stop: async () => undefined };
  let cursor = ward.startMs;
  let controlId = 0;
  const tick = () => {
    const until = Date.now();
    for (const record of ward.recordsBetween(cursor, until)) {
      const deviceId = deviceOf(record.bedId);
      const client = clients.get(deviceId);
      const serial = serials.get(deviceId);
      if (client) {
        const sent = performance.now();
        client.publish(`wardlink/devices/${deviceId}/readings`, toMqttMessage(record).payload, { qos: 1 }, (err) => {
          if (!err) feed.ackMs.push(performance.now() - sent);
        });
        feed.mqttReadings += Object.keys(record.values).length;
      }
      else if (serial) serial.write(mllpFrame(toHl7Message({ ...record, deviceId }, { controlId: `F${controlId++}` })));
      else continue;
      feed.published += 1;
    }
    cursor = until;
  };
  const timer = setInterval(tick, 20);
  feed.stop = async () => {
    clearInterval(timer);
    await Promise.all([...clients.values()].map((c) => c.endAsync()));
    await Promise.all([...serials.values()].map((s) => (s.isOpen ? new Promise((r) => s.close(r)) : undefined)));
  };
  return feed;
}
