/**
 * The embedded MQTT broker (aedes) through which bedside devices publish readings.
 *
 * Why the PUBACK waits for the disk: aedes calls `authorizePublish` before it enqueues a
 * QoS 1 publish and writes the PUBACK, and it reads the next chunk from a client's socket
 * only once every packet of the current chunk is handled. So we parse and commit inside
 * `authorizePublish` and call back after the commit: the PUBACK goes out only for readings
 * on disk, and a slow disk stops reading the device's socket (backpressure).
 *
 * Policy for bad input (documented in the README):
 *  - wrong credentials or an unknown or disabled device: CONNACK refused (return code 4/5);
 *  - a publish to another device's topic: refused and the connection closed;
 *  - an oversized or malformed payload: counted, logged (rate-limited) and acknowledged,
 *    so the device does not resend a message that can never be stored;
 *  - the buffer cannot commit: no PUBACK, connection closed; the device resends later.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Aedes, type Client, type PublishPacket, type Subscription } from 'aedes';
import {
  AuthFailedError,
  PayloadTooLargeError,
  TopicDeniedError,
  UnknownDeviceError,
  isIngestError,
  type WardlinkError,
} from '@wardlink/shared';
import type { Logger } from 'pino';
import type { Registry } from '../../registry/registry.js';
import type { ParsedRecord } from '../formats/format.js';
import type { IngestPipeline } from '../pipeline.js';
import { toRejectInfo, type RejectLog } from '../reject-log.js';
import { isAlarmTopicFilter } from '../../alarms/delivery/topics.js';
import type { ViewerAuthenticator } from '../../alarms/delivery/viewers.js';
import { CredentialCache } from './credential-cache.js';
import { deviceOfReadingsTopic } from './topics.js';

export type MqttPayloadParser = (payload: Buffer, device: { vendorMap: Readonly<Record<string, string>>; utcOffsetMinutes: number }) => ParsedRecord;

export interface MqttIngestOptions {
  host: string;
  port: number;
  maxPayloadBytes: number;
  registry: Registry;
  pipeline: IngestPipeline;
  parse: MqttPayloadParser;
  rejects: RejectLog;
  logger: Logger;
  now: () => number;
  /** Read-only alarm viewer accounts (`alarms.viewers`): they may subscribe to the alarm
   * topics only, and publish nothing. */
  viewers?: ViewerAuthenticator;
}

const DEVICE = Symbol('wardlink.device');
const VIEWER = Symbol('wardlink.viewer');
type DeviceClient = Client & { [DEVICE]?: string; [VIEWER]?: string };

function refusal(returnCode: number, message: string): Error & { returnCode: number } {
  return Object.assign(new Error(message), { returnCode });
}

export class MqttIngest {
  readonly broker: Aedes;
  private server: Server | null = null;
  private readonly credentials = new CredentialCache();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: MqttIngestOptions) {
    this.broker = new Aedes({
      authenticate: (client, username, password, done) => void this.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client as DeviceClient | null, packet, done),
      authorizeSubscribe: (client, sub, done) => this.authorizeSubscribe(client as DeviceClient, sub, done),
      heartbeatInterval: 60_000,
      connectTimeout: 10_000,
    });
    this.broker.on('clientError', (client, err) => opts.logger.debug({ client: client?.id, err: err.message }, 'mqtt client error'));
  }

  async start(): Promise<number> {
    await this.broker.listen();
    this.server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      this.broker.handle(socket);
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, this.opts.host, () => resolve());
    });
    return (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of this.sockets) s.destroy();
      });
    }
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
  }

  private async authenticate(
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
    done: (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void,
  ): Promise<void> {
    const { registry, rejects } = this.opts;
    registry.refreshIfChanged();
    const device = username ? registry.deviceByUsername(username) : undefined;
    const hash = device ? registry.passwordHash(device.deviceId) : null;
    if (!device && username && this.opts.viewers?.has(username)) {
      await this.authenticateViewer(client as DeviceClient, username, password, done);
      return;
    }
    if (!device || !device.enabled || device.kind !== 'mqtt' || !hash) {
      rejects.record(null, new UnknownDeviceError(username ?? '(none)'), { clientId: client.id });
      done(refusal(4, 'Bad username or password'), null);
      return;
    }
    const ok = password ? await this.credentials.verify(username!, password.toString('utf8'), hash) : false;
    if (!ok) {
      rejects.record(device.deviceId, new AuthFailedError(device.deviceId), { clientId: client.id });
      done(refusal(4, 'Bad username or password'), null);
      return;
    }
    (client as DeviceClient)[DEVICE] = device.deviceId;
    done(null, true);
  }

  private async authenticateViewer(
    client: DeviceClient,
    username: string,
    password: Buffer | undefined,
    done: (err: (Error & { returnCode: number }) | null, ok: boolean | null) => void,
  ): Promise<void> {
    const ok = password ? await this.opts.viewers!.verify(username, password.toString('utf8')) : false;
    if (!ok) {
      this.opts.rejects.record(null, new AuthFailedError(username), { clientId: client.id, viewer: true });
      done(refusal(4, 'Bad username or password'), null);
      return;
    }
    client[VIEWER] = username;
    done(null, true);
  }

  private authorizePublish(client: DeviceClient | null, packet: PublishPacket, done: (err?: Error | null) => void): void {
    if (!client) {
      done(null); // the gateway itself (alarm topics)
      return;
    }
    const deviceId = client[DEVICE];
    const device = deviceId ? this.opts.registry.device(deviceId) : undefined;
    if (!device || deviceOfReadingsTopic(packet.topic) !== device.deviceId) {
      this.opts.rejects.record(deviceId ?? null, new TopicDeniedError(deviceId ?? '(unknown)', packet.topic));
      done(new Error('publish denied: a device may publish only to its own readings topic'));
      return;
    }
    const receivedAtMs = this.opts.now();
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (payload.length > this.opts.maxPayloadBytes) {
      this.reject(device.deviceId, new PayloadTooLargeError(payload.length, this.opts.maxPayloadBytes), done);
      return;
    }
    let record: ParsedRecord;
    try {
      record = this.opts.parse(payload, device);
    } catch (err) {
      if (isIngestError(err)) {
        this.reject(device.deviceId, err, done);
        return;
      }
      throw err;
    }
    this.opts.pipeline.submit(device, record, receivedAtMs).then(
      () => done(null),
      (err: unknown) => {
        // Counted and logged at most once a minute per device and code: a flood against a
        // full disk must not fill the disk with log lines.
        this.opts.rejects.record(device.deviceId, toRejectInfo(err, 'readings not committed; PUBACK withheld, the device resends'));
        done(err instanceof Error ? err : new Error(String(err)));
      },
    );
  }

  /** Counts the bad message and acknowledges it, so the device does not resend it forever. */
  private reject(deviceId: string, err: WardlinkError, done: (err?: Error | null) => void): void {
    this.opts.rejects.record(deviceId, err);
    done(null);
  }

  private authorizeSubscribe(client: DeviceClient, sub: Subscription, done: (err: Error | null, sub?: Subscription | null) => void): void {
    // Devices only publish. Alarm viewers (`alarms.viewers`) subscribe to the alarm topics
    // and nothing else; a refused filter gets SUBACK 0x80, the connection stays.
    if (client[VIEWER] !== undefined && isAlarmTopicFilter(sub.topic)) {
      done(null, sub);
      return;
    }
    const who = client[DEVICE] ?? client[VIEWER] ?? '(unknown)';
    this.opts.rejects.record(client[DEVICE] ?? null, new TopicDeniedError(who, sub.topic));
    done(null, null);
  }
}
