/**
 * The embedded MQTT broker (aedes) through which bedside devices publish readings.
 *
 * Why the PUBACK waits for the disk: aedes calls `authorizePublish` before it enqueues a
 * QoS 1 publish and writes the PUBACK, and it reads the next chunk from a client's socket
 * only once every packet of the current chunk is handled. So we parse and commit inside
 * `authorizePublish` and call back after the commit: the PUBACK goes out only for readings
 * on disk, and a slow disk stops reading the device's socket (backpressure).
 *
 * MQTT 3.1.1 only (aedes answers a v5 CONNECT with "unacceptable protocol version").
 *
 * Policy for bad input (documented in the README). Nothing is ever acknowledged and then
 * dropped; in 3.1.1 a refusal can only be a closed connection, and the code is counted:
 *  - more connections than `maxConnections` (or `maxConnectionsPerAddress` from one
 *    address): closed before a byte is read (WL_INGEST_TOO_MANY_CONNECTIONS);
 *  - a packet over the limit (4 KiB for the CONNECT, before any credential is checked;
 *    `maxPayloadBytes` + 1 KiB after): closed at its fixed header (packet-guard.ts);
 *  - wrong credentials or an unknown or disabled device: CONNACK refused (return code 4/5;
 *    broker-auth.ts checks each CONNECT);
 *  - a client id that is another account's (client-ids.ts: so no one takes over another's
 *    session): CONNACK 2, identifier rejected (WL_INGEST_CLIENT_ID_DENIED);
 *  - a publish to another device's topic, or with the retain flag: refused, closed;
 *  - a payload that cannot be stored (malformed, oversized): refused, closed, no PUBACK;
 *  - the buffer cannot commit: no PUBACK, connection closed; the device resends later.
 * A device may also connect over TLS (`mqtt.tls`); with a client certificate from the
 * configured CA, the certificate's CN is its device id and no password is needed.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import { Aedes, type PublishPacket, type Subscription } from 'aedes';
import {
  MalformedFrameError,
  PayloadTooLargeError,
  RetainDeniedError,
  TooManyConnectionsError,
  TopicDeniedError,
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
import { ConnectionLimiter, type ConnectionCaps } from '../connection-limits.js';
import { DEVICE, MqttAuthenticator, VIEWER, type DeviceClient } from './broker-auth.js';
import { guardedConnection, PacketTooLargeError } from './packet-guard.js';
import { skipPacketNumberCache } from './packet-numbers.js';
import { deviceOfReadingsTopic } from './topics.js';

export type MqttPayloadParser = (payload: Buffer, device: { format: string; vendorMap: Readonly<Record<string, string>>; utcOffsetMinutes: number }) => ParsedRecord;

export interface MqttIngestOptions {
  host: string;
  port: number;
  maxPayloadBytes: number;
  caps: ConnectionCaps;
  /** The TLS listener; `clientCa`: client certificates from `secure.ca` are accepted. */
  tls?: { port: number; secure: SecureContextOptions; clientCa: boolean } | null;
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

/** The CONNECT (client id, username, password, a will) fits in this before authentication. */
export const MAX_CONNECT_BYTES = 4096;

export class MqttIngest {
  readonly broker: Aedes;
  private server: Server | null = null;
  private tlsServer: TlsServer | null = null;
  /** The TLS listener's port once started; null without `mqtt.tls`. */
  tlsPort: number | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly limiter: ConnectionLimiter;
  /** Which device a connection authenticated as, to count its refused packets against it. */
  private readonly deviceOfSocket = new WeakMap<Socket, string>();
  /** Checks each CONNECT and marks the client with its device or viewer account. */
  private readonly auth: MqttAuthenticator;

  constructor(private readonly opts: MqttIngestOptions) {
    skipPacketNumberCache();
    this.broker = new Aedes({
      authenticate: (client, username, password, done) => void this.auth.authenticate(client, username, password, done),
      authorizePublish: (client, packet, done) => this.authorizePublish(client as DeviceClient | null, packet, done),
      authorizeSubscribe: (client, sub, done) => this.authorizeSubscribe(client as DeviceClient, sub, done),
      heartbeatInterval: 60_000,
      connectTimeout: 10_000,
    });
    this.broker.on('clientError', (client, err) => opts.logger.debug({ client: client?.id, err: err.message }, 'mqtt client error'));
    this.limiter = new ConnectionLimiter(opts.caps);
    this.auth = new MqttAuthenticator(opts, this.deviceOfSocket);
  }

  /** Admits a new socket under the caps and hands it to aedes behind the packet guard. */
  private accept(socket: Socket): void {
    const refused = this.limiter.admit(socket);
    if (refused) {
      const limit = refused === 'total' ? this.opts.caps.maxConnections : this.opts.caps.maxConnectionsPerAddress;
      this.opts.rejects.record(null, new TooManyConnectionsError('mqtt', refused, limit, { address: socket.remoteAddress }));
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    const limits = { maxConnectBytes: MAX_CONNECT_BYTES, maxPacketBytes: this.opts.maxPayloadBytes + 1024 };
    const conn = guardedConnection(socket, limits, (err) => {
      const deviceId = this.deviceOfSocket.get(socket) ?? null;
      this.opts.rejects.record(
        deviceId,
        err instanceof PacketTooLargeError ? new PayloadTooLargeError(err.size, err.limit, { beforeConnect: err.beforeConnect, closed: true }) : new MalformedFrameError(err.message, { mqtt: true }),
      );
    });
    this.broker.handle(conn);
  }

  async start(): Promise<number> {
    await this.broker.listen();
    this.server = createServer((socket) => this.accept(socket));
    const listen = (server: Server, port: number) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, this.opts.host, () => resolve((server.address() as AddressInfo).port));
      });
    const port = await listen(this.server, this.opts.port);
    const tls = this.opts.tls;
    if (tls) {
      // Client certificates are asked for, not required: a device without one uses its password.
      this.tlsServer = createTlsServer({ ...tls.secure, requestCert: tls.clientCa, rejectUnauthorized: false }, (socket) => this.accept(socket));
      this.tlsServer.on('tlsClientError', (err) => this.opts.logger.debug({ err: err.message }, 'mqtt tls handshake failed'));
      this.tlsPort = await listen(this.tlsServer, tls.port);
    }
    return port;
  }

  /** SIGHUP: a renewed certificate for the TLS listener's next connections. */
  setCredentials(secure: SecureContextOptions): void {
    this.tlsServer?.setSecureContext(secure);
  }

  async stop(): Promise<void> {
    for (const server of [this.server, this.tlsServer]) {
      if (!server) continue;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of this.sockets) s.destroy();
      });
    }
    this.server = null;
    this.tlsServer = null;
    await new Promise<void>((resolve) => this.broker.close(() => resolve()));
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
    if (packet.retain) {
      // Never stored as the topic's retained message, never routed: refused.
      this.refuse(device.deviceId, new RetainDeniedError(device.deviceId), done);
      return;
    }
    const receivedAtMs = this.opts.now();
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    if (payload.length > this.opts.maxPayloadBytes) {
      this.refuse(device.deviceId, new PayloadTooLargeError(payload.length, this.opts.maxPayloadBytes), done);
      return;
    }
    let record: ParsedRecord;
    try {
      record = this.opts.parse(payload, device);
    } catch (err) {
      if (isIngestError(err)) {
        this.refuse(device.deviceId, err, done);
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

  /**
   * Counts the message and refuses it: no PUBACK, the connection closed. Acknowledging a
   * message that is not stored would tell the device its data is safe when it is not; the
   * code is in `status` and /metrics for IT to fix the device.
   */
  private refuse(deviceId: string, err: WardlinkError, done: (err?: Error | null) => void): void {
    this.opts.rejects.record(deviceId, err);
    done(err);
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
