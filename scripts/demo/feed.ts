/**
 * Feeds the demo gateway from the simulator in real time: one MQTT client per bed
 * (QoS 1, the device's own credentials) and, when socat exists, one monitor sending
 * HL7 over a pseudo-terminal pair.
 */
import mqtt, { type MqttClient } from 'mqtt';
import { SerialPort } from 'serialport';
import { createWard, mllpFrame, toHl7Message, toMqttMessage, type ScriptedEvent, type Ward } from '@wardlink/simulator';

export interface Feed {
  published: number;
  /** When the simulated ward started (its second 0), UTC ms. */
  startMs: number;
  stop(): Promise<void>;
}

export async function startFeed(opts: { mqttPort: number; passwords: Map<string, string>; beds: number; seed: number; serialMonitorPath: string | null; script?: readonly ScriptedEvent[] }): Promise<Feed> {
  const totalBeds = opts.beds + (opts.serialMonitorPath ? 1 : 0);
  // Scripted episodes on beds this ward does not have are left out (a small --beds).
  const script = (opts.script ?? []).filter((e) => Number(e.bedId.replace(/\D/g, '')) <= totalBeds);
  const clients = new Map<string, MqttClient>();
  for (const [deviceId, password] of opts.passwords) {
    clients.set(deviceId, await mqtt.connectAsync(`mqtt://127.0.0.1:${opts.mqttPort}`, { username: deviceId, password, clientId: deviceId }));
  }
  let serial: SerialPort | null = null;
  if (opts.serialMonitorPath) {
    serial = new SerialPort({ path: opts.serialMonitorPath, baudRate: 115200, autoOpen: false });
    await new Promise<void>((resolve, reject) => serial!.open((err) => (err ? reject(err) : resolve())));
    serial.on('data', () => undefined); // the gateway's ACKs
  }
  // Created once the devices are connected: its second 0 is when records start to flow.
  const ward: Ward = createWard({ beds: totalBeds, seed: opts.seed, startMs: Date.now(), script });
  const feed: Feed = { published: 0, startMs: ward.startMs, stop: async () => undefined };
  let cursor = ward.startMs;
  let controlId = 0;
  const tick = () => {
    const until = Date.now();
    for (const record of ward.recordsBetween(cursor, until)) {
      const deviceId = `mon-${record.bedId}`;
      const client = clients.get(deviceId);
      if (client) {
        const { payload } = toMqttMessage(record);
        client.publish(`wardlink/devices/${deviceId}/readings`, payload, { qos: 1 });
        feed.published += 1;
      } else if (serial) {
        serial.write(mllpFrame(toHl7Message({ ...record, deviceId }, { controlId: `D${controlId++}` })));
        feed.published += 1;
      }
    }
    cursor = until;
  };
  const timer = setInterval(tick, 250);
  feed.stop = async () => {
    clearInterval(timer);
    await Promise.all([...clients.values()].map((c) => c.endAsync()));
    if (serial?.isOpen) await new Promise((r) => serial!.close(r));
  };
  return feed;
}
