/**
 * Bridge mode: the gateway subscribes, as an mqtt.js client, to a topic filter on a broker
 * the hospital already runs. The session is persistent (clean: false, fixed client id,
 * QoS 1), so what devices publish while the gateway restarts waits at that broker.
 *
 * mqtt.js sends the PUBACK for a QoS 1 message only after `handleMessage` calls back, and
 * we call back after the commit; so the hospital broker drops a message only once it is
 * on our disk. mqtt.js hands messages over one at a time, so bridge throughput is bounded
 * by the commit's own time (each message commits at once when no commit is running:
 * hundreds to thousands a second with an fsync each), well above a ward's 20-60 a second.
 *
 * The device id is the topic level matched by the filter's first `+`
 * (for `hospital/ward3/+/vitals`, the third level). It must be a registered device.
 */
import type { IClientOptions, MqttClient } from 'mqtt';
import { isIngestError, PayloadTooLargeError, TopicDeniedError, UnknownDeviceError } from '@wardlink/shared';
import type { Logger } from 'pino';
import type { Registry } from '../../registry/registry.js';
import type { IngestPipeline } from '../pipeline.js';
import type { RejectLog } from '../reject-log.js';
import type { MqttPayloadParser } from './broker.js';

export interface BridgeOptions {
  url: string;
  topicFilter: string;
  clientId: string;
  username?: string;
  password?: string;
  maxPayloadBytes: number;
  registry: Registry;
  pipeline: IngestPipeline;
  parse: MqttPayloadParser;
  rejects: RejectLog;
  logger: Logger;
  now: () => number;
}

/** The index of the first `+` level of a filter, whose value names the device. */
export function deviceLevel(topicFilter: string): number {
  const index = topicFilter.split('/').indexOf('+');
  if (index < 0) throw new Error(`bridge topicFilter "${topicFilter}" needs a + level for the device id`);
  return index;
}

export class MqttBridge {
  private client: MqttClient | null = null;
  /** stop() was called: a start() still loading mqtt.js connects nothing. */
  private stopped = false;
  private readonly level: number;

  constructor(private readonly opts: BridgeOptions) {
    this.level = deviceLevel(opts.topicFilter);
  }

  async start(): Promise<void> {
    const { opts } = this;
    // mqtt.js (~0.1 s of CPU to load) only when a bridge is configured, and after /healthz:
    // the daemon does not wait for the hospital broker (daemon.ts).
    const { default: mqtt } = await import('mqtt');
    if (this.stopped) return;
    const options: IClientOptions = {
      clientId: opts.clientId,
      clean: false,
      reconnectPeriod: 2_000,
      connectTimeout: 10_000,
      resubscribe: true,
      ...(opts.username !== undefined ? { username: opts.username } : {}),
      ...(opts.password !== undefined ? { password: opts.password } : {}),
    };
    const client = mqtt.connect(opts.url, options);
    this.client = client;
    client.handleMessage = (packet, callback) => {
      this.handle(packet.topic, packet.payload as Buffer).then(
        () => callback(),
        (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
      );
    };
    client.on('connect', (connack) => {
      opts.logger.info({ url: redact(opts.url), sessionPresent: connack.sessionPresent }, 'bridge connected');
      if (!connack.sessionPresent) client.subscribe(opts.topicFilter, { qos: 1 });
    });
    client.on('error', (err) => opts.logger.warn({ err: err.message }, 'bridge error'));
    client.on('offline', () => opts.logger.warn('bridge offline; reconnecting'));
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      client.once('error', onError);
      client.once('connect', (connack) => {
        client.off('error', onError);
        if (connack.sessionPresent) {
          resolve();
          return;
        }
        client.subscribe(opts.topicFilter, { qos: 1 }, (err) => (err ? reject(err) : resolve()));
      });
    });
  }

  /** Ends the connection but keeps the session at the broker, so messages keep queueing there. */
  async stop(): Promise<void> {
    this.stopped = true;
    const client = this.client;
    this.client = null;
    if (client) await client.endAsync();
  }

  private async handle(topic: string, payload: Buffer): Promise<void> {
    const { registry, rejects, pipeline } = this.opts;
    const receivedAtMs = this.opts.now();
    const deviceId = topic.split('/')[this.level];
    registry.refreshIfChanged();
    const device = deviceId ? registry.device(deviceId) : undefined;
    if (!device || !device.enabled) {
      rejects.record(null, deviceId ? new UnknownDeviceError(deviceId) : new TopicDeniedError('(bridge)', topic));
      return; // acknowledged: an unregistered device's messages would otherwise block the session
    }
    if (payload.length > this.opts.maxPayloadBytes) {
      rejects.record(device.deviceId, new PayloadTooLargeError(payload.length, this.opts.maxPayloadBytes));
      return;
    }
    try {
      await pipeline.submit(device, this.opts.parse(payload, device), receivedAtMs, { senderWaits: true });
    } catch (err) {
      if (isIngestError(err)) {
        rejects.record(device.deviceId, err);
        return;
      }
      throw err;
    }
  }
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
