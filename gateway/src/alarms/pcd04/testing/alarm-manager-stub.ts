/**
 * A real alarm manager for tests: an MLLP listener (TCP, or TLS with a self-signed
 * certificate) that receives ORU^R40 messages and, as told, acknowledges them (AA),
 * refuses them (AE), stalls (reads, never answers) or drops the connection on receipt.
 * It records every message it received, in order, duplicates included.
 */
import { createServer as tcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as tlsServer } from 'node:tls';
import { BoundedDelimiterParser } from '../../../ingest/framing.js';
import { buildAck, deframeMllp, MLLP_DELIMITER, mllpFrame, parseHl7Structure, readMsh } from '../../../ingest/formats/hl7/index.js';

export type StubMode = 'ack' | 'nak' | 'stall' | 'drop';

export interface Received {
  text: string;
  controlId: string;
  /** MSH-9, e.g. `ORU^R40` or `NMD^N02`. */
  type: string;
  atMs: number;
}

export interface StubTls {
  cert: string;
  key: string;
}

export class AlarmManagerStub {
  mode: StubMode = 'ack';
  readonly received: Received[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private waiters: (() => void)[] = [];
  port = 0;

  constructor(private readonly tls: StubTls | null = null) {}

  /** Listens (on `port`, or a free one); again on the same port after `close()`. */
  async listen(port = this.port): Promise<number> {
    const onSocket = (s: Socket) => this.accept(s);
    const server = this.tls ? tlsServer({ cert: this.tls.cert, key: this.tls.key }, onSocket) : tcpServer(onSocket);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
    return this.port;
  }

  /** The manager goes away: stops listening and cuts every connection. */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** The alerts received (keep-alives left out), in order. */
  alerts(): Received[] {
    return this.received.filter((r) => r.type.startsWith('ORU^R40'));
  }

  /** Waits until `predicate` holds over what was received (real time; bounded). */
  async waitFor(predicate: (received: Received[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) throw new Error(`alarm manager stub: condition not met within ${timeoutMs} ms (${this.received.length} messages received)`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const parser = new BoundedDelimiterParser(MLLP_DELIMITER, 1024 * 1024, () => socket.destroy());
    socket.pipe(parser);
    parser.on('data', (frame: Buffer) => this.onFrame(socket, deframeMllp(frame)));
  }

  private onFrame(socket: Socket, text: string): void {
    const msh = readMsh(parseHl7Structure(text));
    this.received.push({ text, controlId: msh.controlId, type: msh.messageType, atMs: Date.now() });
    for (const w of this.waiters.splice(0)) w();
    const trigger = msh.messageType.split('^')[1] ?? 'R40';
    switch (this.mode) {
      case 'ack':
        socket.write(mllpFrame(buildAck(msh, 'AA', { trigger })));
        return;
      case 'nak':
        socket.write(mllpFrame(buildAck(msh, 'AE', { trigger, text: 'stub refuses', errorCode: 'WL_INGEST_MALFORMED_FRAME' })));
        return;
      case 'drop':
        socket.destroy();
        return;
      case 'stall':
        return;
    }
  }
}
