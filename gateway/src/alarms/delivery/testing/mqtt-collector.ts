/**
 * Test helper: a real mqtt.js subscriber that keeps every message it receives (topic,
 * parsed JSON, retain flag, arrival time) and waits for the one a test expects.
 */
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';

export interface Received {
  topic: string;
  body: unknown;
  retain: boolean;
  atMs: number;
}

export class MqttCollector {
  readonly messages: Received[] = [];
  private waiters: { match: (m: Received) => boolean; resolve: (m: Received) => void }[] = [];

  private constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload, packet) => {
      const m: Received = { topic, body: payload.length ? JSON.parse(payload.toString('utf8')) : null, retain: packet.retain, atMs: Date.now() };
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.match(m) ? (w.resolve(m), false) : true));
    });
  }

  static async connect(url: string, opts: IClientOptions, filters: string[] = []): Promise<MqttCollector> {
    const client = await mqtt.connectAsync(url, { reconnectPeriod: 0, ...opts });
    const collector = new MqttCollector(client);
    if (filters.length) await client.subscribeAsync(filters, { qos: 1 });
    return collector;
  }

  /** The first message (already received or to come) that matches, within `timeoutMs`. */
  waitFor<T = unknown>(match: (m: Received & { body: T }) => boolean, timeoutMs = 3000, what = 'an MQTT message'): Promise<Received & { body: T }> {
    const m = match as (m: Received) => boolean;
    const seen = this.messages.find(m);
    if (seen) return Promise.resolve(seen as Received & { body: T });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const seen = this.messages.slice(-12).map((x) => `${x.topic} ${JSON.stringify(x.body).slice(0, 80)}`);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last received:\n  ${seen.join('\n  ')}`));
      }, timeoutMs);
      this.waiters.push({ match: m, resolve: (x) => (clearTimeout(timer), resolve(x as Received & { body: T })) });
    });
  }

  on(topic: string): Received[] {
    return this.messages.filter((m) => m.topic === topic);
  }

  async end(): Promise<void> {
    await this.client.endAsync(true);
  }
}
