/**
 * The HL7-over-TCP listener (MLLP, default port 2575). Many monitors and vendor
 * gateways push PCD-01 over the network; each connection may carry several devices'
 * messages, told apart by OBX-18 or MSH-3 (the device's `matchId`).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { delimiterFor, FramedSession } from './framing.js';
import type { Hl7Receiver } from './receivers.js';
import type { RejectLog } from './reject-log.js';

export interface TcpHl7Options {
  host: string;
  port: number;
  maxMessageBytes: number;
  maxInFlightPerConnection?: number;
  maxConnections?: number;
  receiver: Hl7Receiver;
  rejects: RejectLog;
  logger: Logger;
}

export class TcpHl7Listener {
  private server: Server | null = null;
  private readonly sessions = new Map<Socket, FramedSession>();

  constructor(private readonly opts: TcpHl7Options) {}

  async start(): Promise<number> {
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = this.opts.maxConnections ?? 256;
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  private accept(socket: Socket): void {
    socket.setKeepAlive(true, 30_000);
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    const session = new FramedSession({
      source: socket,
      delimiter: delimiterFor('hl7-mllp'),
      maxFrameBytes: this.opts.maxMessageBytes,
      maxInFlight: this.opts.maxInFlightPerConnection ?? 64,
      handle: (frame) => this.opts.receiver.handle(frame, null, socket.remoteAddress ?? null),
      onOverflow: (err) => {
        this.opts.rejects.record(null, err, { peer });
        socket.destroy(); // a peer that never ends a frame is not an HL7 sender
      },
      onHandlerError: (err) => this.opts.logger.error({ err, peer }, 'HL7 frame handler failed'),
    });
    this.sessions.set(socket, session);
    socket.on('error', (err) => this.opts.logger.debug({ peer, err: err.message }, 'HL7 connection error'));
    socket.on('close', () => this.sessions.delete(socket));
  }

  /** Stops accepting, lets every received message finish and be answered, then closes. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await Promise.all([...this.sessions.values()].map((s) => s.drained()));
    for (const socket of this.sessions.keys()) socket.end();
    for (const socket of this.sessions.keys()) socket.destroy();
    await closed;
  }
}
