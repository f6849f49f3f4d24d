/**
 * MQTT QoS 1 load for benchmarks: one client per device, each keeping `window` publishes
 * in flight, for `durationMs`. Returns the PUBACKed message count and the achieved rate.
 */
import mqtt, { type MqttClient } from 'mqtt';

export interface LoadDevice {
  deviceId: string;
  password?: string;
  payloads: Buffer[];
}

export async function runMqttLoad(opts: { port: number; devices: LoadDevice[]; window: number; durationMs: number; warmupMs?: number }): Promise<{ acked: number; perS: number }> {
  const clients: MqttClient[] = await Promise.all(
    opts.devices.map((d) =>
      mqtt.connectAsync(`mqtt://127.0.0.1:${opts.port}`, {
        clientId: d.deviceId,
        reconnectPeriod: 0,
        ...(d.password ? { username: d.deviceId, password: d.password } : {}),
      }),
    ),
  );
  let counting = false;
  let acked = 0;
  let stop = false;
  const lanes: Promise<void>[] = [];
  clients.forEach((client, i) => {
    const device = opts.devices[i]!;
    const topic = `wardlink/devices/${device.deviceId}/readings`;
    let next = 0;
    for (let w = 0; w < opts.window; w++) {
      lanes.push(
        (async () => {
          while (!stop) {
            const payload = device.payloads[next++ % device.payloads.length]!;
            await client.publishAsync(topic, payload, { qos: 1 });
            if (counting) acked += 1;
          }
        })(),
      );
    }
  });
  await new Promise((r) => setTimeout(r, opts.warmupMs ?? 1000));
  counting = true;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, opts.durationMs));
  const elapsed = performance.now() - started;
  const total = acked;
  counting = false;
  stop = true;
  await Promise.race([Promise.allSettled(lanes), new Promise((r) => setTimeout(r, 3000))]);
  await Promise.all(clients.map((c) => c.endAsync(true)));
  return { acked: total, perS: (total * 1000) / elapsed };
}
