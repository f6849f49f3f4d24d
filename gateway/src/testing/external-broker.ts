/**
 * The "hospital broker" for tests that need an MQTT broker outside the gateway: the one
 * MQTT_URL names (CI runs Mosquitto), or, when MQTT_URL is unset, an aedes broker started
 * in this process on a free port, so the README's test command passes on a machine with
 * nothing but Node. aedes keeps retained messages and persistent sessions in memory,
 * which is what these tests rely on.
 */
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes } from 'aedes';

export interface ExternalBroker {
  /** mqtt://host:port */
  readonly url: URL;
  /** 'mqtt-url' when MQTT_URL was given, 'in-process' for the fallback. */
  readonly kind: 'mqtt-url' | 'in-process';
  close(): Promise<void>;
}

export async function startExternalBroker(): Promise<ExternalBroker> {
  const given = process.env.MQTT_URL;
  if (given) return { url: new URL(given), kind: 'mqtt-url', close: async () => undefined };
  const broker = new Aedes();
  await broker.listen();
  const server: Server = createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`mqtt://127.0.0.1:${port}`),
    kind: 'in-process',
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
