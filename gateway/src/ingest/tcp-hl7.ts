/**
 * The HL7-over-TCP listener (MLLP, default port 2575), and optionally the same over TLS
 * (`hl7.tls`). Many monitors and vendor gateways push PCD-01 over the network; each
 * connection may carry several devices' messages, told apart by their `matchId`.
 *
 * On a shared ward network it bounds what one peer can hold:
 *  - connections in total and per address (connection-limits.ts);
 *  - a connection that sends nothing for `idleTimeoutMs` is closed (the device reconnects
 *    when it has data); a message begun must end within `messageTimeoutMs`, else the
 *    connection is closed and the part dropped, never acknowledged (WL_INGEST_TIMEOUT);
 *  - a frame over `maxMessageBytes` closes the connection.
 * A device's allowed peer addresses are checked per message (receivers.ts): AR otherwise.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import { IngestTimeoutError, TooManyConnectionsError } from '@wardlink/shared';
import type { Logger } from 'pino';
import { ConnectionLimiter, type ConnectionCaps } from './connection-limits.js';
import type { SharedListenerFormat } from './formats/entry.js';
import { FORMATS } from './formats/registry.js';
import { FramedSession } from './framing.js';
import type { FrameReceiver } from './receivers.js';
import type { RejectLog } from './reject-log.js';

export interface TcpHl7Options {
  host: string;
  port: number;
  maxMessageBytes: number;
  idleTimeoutMs: number;
  messageTimeoutMs: number;
  caps: ConnectionCaps;
  tls?: { port: number; secure: SecureContextOptions } | null;
  maxInFlightPerConnection?: number;
  /** The format taken on this listener: its messages name their device. Default `hl7-mllp`. */
  format?: SharedListenerFormat;
  receiver: FrameReceiver;
  rejects: RejectLog;
  logger: Logger;
}

export class TcpHl7Listener {
  private servers: (Server | TlsServer)[] = [];
  private tlsServer: TlsServer | null = null;
  /** The TLS listener's port once started; null without `hl7.tls`. */
  tlsPort: number | null = null;
  private readonly sessions = new Map<Socket, FramedSession>();
  private readonly limiter: ConnectionLimiter;

  constructor(private readonly opts: TcpHl7Options) {
    this.limiter = new ConnectionLimiter(opts.caps);
  }

  async start(): Promise<number> {
    const listen = (server: Server | TlsServer, port: number) =>
      new Promise<number>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, this.opts.host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      });
    const plain = createServer((socket) => this.accept(socket));
    this.servers.push(plain);
    const port = await listen(plain, this.opts.port);
    if (this.opts.tls) {
      this.tlsServer = createTlsServer(this.opts.tls.secure, (socket) => this.accept(socket));
      this.tlsServer.on('tlsClientError', (err) => this.opts.logger.debug({ err: err.message }, 'HL7 TLS handshake failed'));
      this.servers.push(this.tlsServer);
      this.tlsPort = await listen(this.tlsServer, this.opts.tls.port);
    }
    return port;
  }

  /** SIGHUP: a renewed certificate for the TLS listener's next connections. */
  setCredentials(secure: SecureContextOptions): void {
    this.tlsServer?.setSecureContext(secure);
  }

  private accept(socket: Socket): void {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const refused = this.limiter.admit(socket);
    if (refused) {
      const limit = refused === 'total' ? this.opts.caps.maxConnections : this.opts.caps.maxConnectionsPerAddress;
      this.opts.rejects.record(null, new TooManyConnectionsError('hl7', refused, limit, { peer }));
      socket.destroy();
      return;
    }
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    const timeout = (err: IngestTimeoutError) => {
      this.opts.rejects.record(null, err, { peer });
      socket.destroy();
    };
    // Idle: no byte either way for this long (a message awaiting its commit is not idle for long).
    socket.setTimeout(this.opts.idleTimeoutMs, () => timeout(new IngestTimeoutError('idle', this.opts.idleTimeoutMs)));
    let messageTimer: NodeJS.Timeout | null = null;
    const format = this.opts.format ?? FORMATS['hl7-mllp'];
    const session = new FramedSession({
      source: socket,
      framing: format.framing,
      maxFrameBytes: this.opts.maxMessageBytes,
      maxInFlight: this.opts.maxInFlightPerConnection ?? 64,
      handle: (frame) => this.opts.receiver.handle(frame, { format, device: null, peer: socket.remoteAddress ?? null, sender: socket }),
      onOverflow: (err) => {
        this.opts.rejects.record(null, err, { peer });
        socket.destroy(); // a peer that never ends a frame is not an HL7 sender
      },
      onPartial: (partial) => {
        if (!partial && messageTimer !== null) {
          clearTimeout(messageTimer);
          messageTimer = null;
        } else if (partial && messageTimer === null) {
          messageTimer = setTimeout(() => timeout(new IngestTimeoutError('message', this.opts.messageTimeoutMs)), this.opts.messageTimeoutMs);
          messageTimer.unref();
        }
      },
      onHandlerError: (err) => this.opts.logger.error({ err, peer }, 'HL7 frame handler failed'),
    });
    this.sessions.set(socket, session);
    socket.on('error', (err) => this.opts.logger.debug({ peer, err: err.message }, 'HL7 connection error'));
    socket.on('close', () => {
      if (messageTimer !== null) clearTimeout(messageTimer);
      this.sessions.delete(socket);
    });
  }

  /** Stops accepting, lets every received message finish and be answered, then closes. */
  async stop(): Promise<void> {
    const servers = this.servers;
    this.servers = [];
    if (servers.length === 0) return;
    const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    await Promise.all([...this.sessions.values()].map((s) => s.drained()));
    for (const socket of this.sessions.keys()) socket.end();
    for (const socket of this.sessions.keys()) socket.destroy();
    await closed;
  }
}
