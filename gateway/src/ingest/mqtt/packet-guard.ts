/**
 * Bounds every MQTT packet before aedes reads it. aedes (and mqtt-packet under it) has no
 * packet size limit: a client may announce a 256 MB packet and stream it, and it is
 * buffered, before or after authentication. This guard reads each packet's fixed header
 * (type byte, remaining-length varint) as the bytes pass and cuts the connection at once
 * when a packet would be larger than allowed: `maxConnectBytes` for the first packet (the
 * CONNECT, before any credential is checked), `maxPacketBytes` after it.
 */
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

export class PacketTooLargeError extends Error {
  constructor(
    readonly size: number,
    readonly limit: number,
    readonly beforeConnect: boolean,
  ) {
    super(`MQTT packet of ${size} bytes over the ${limit}-byte limit${beforeConnect ? ' (before authentication)' : ''}`);
  }
}

export class MalformedPacketError extends Error {
  constructor() {
    super('MQTT remaining length longer than 4 bytes');
  }
}

/** Reads each packet's fixed header as the bytes pass, and says when one is over its limit. */
export class PacketGuard {
  /** Bytes of the current packet's body still to pass. */
  private bodyLeft = 0;
  /** Reading a fixed header: -1 before its type byte, else the varint bytes read so far. */
  private headerBytes = -1;
  private length = 0;
  private multiplier = 1;
  private packets = 0;

  constructor(private readonly limits: { maxConnectBytes: number; maxPacketBytes: number }) {}

  /** The next bytes of the connection: null when they may pass, else why the connection must be cut. */
  check(chunk: Buffer): Error | null {
    let i = 0;
    while (i < chunk.length) {
      if (this.bodyLeft > 0) {
        const n = Math.min(this.bodyLeft, chunk.length - i);
        this.bodyLeft -= n;
        i += n;
        continue;
      }
      const byte = chunk[i++]!;
      if (this.headerBytes === -1) {
        this.headerBytes = 0;
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      this.headerBytes += 1;
      if (byte & 0x80) {
        if (this.headerBytes >= 4) return new MalformedPacketError();
        continue;
      }
      const first = this.packets === 0;
      const limit = first ? this.limits.maxConnectBytes : this.limits.maxPacketBytes;
      if (this.length > limit) return new PacketTooLargeError(this.length, limit, first);
      this.packets += 1;
      this.headerBytes = -1;
      this.bodyLeft = this.length;
    }
    return null;
  }
}

const SOCKET = Symbol('wardlink.socket');

/**
 * The stream aedes handles: the socket's bytes once the guard let them pass, and aedes'
 * writes to the socket. One stream over the socket, not a pipe into a Transform joined to
 * the socket by Duplex.from (issue 18): that join wrote each chunk aedes writes (a PUBACK
 * is three) with its own socket write, one system call each, where a bare aedes socket
 * gathers the chunks it corks within a tick into one (`_writev` below does the same).
 * Backpressure is kept: when aedes stops reading (its handlers wait for a commit), the
 * buffer fills and the socket is paused until aedes reads again.
 */
class GuardedConnection extends Duplex {
  readonly [SOCKET]: Socket;

  constructor(
    private readonly socket: Socket,
    guard: PacketGuard,
    onRefused: (err: Error) => void,
  ) {
    super();
    this[SOCKET] = socket;
    socket.on('data', (chunk: Buffer) => {
      if (this.destroyed) return;
      const refused = guard.check(chunk);
      if (refused !== null) {
        onRefused(refused);
        socket.destroy();
        this.destroy(refused);
        return;
      }
      if (!this.push(chunk)) socket.pause();
    });
    socket.on('end', () => this.push(null));
    // A connection that ends (the device hangs up, the gateway stops) is no fault of the
    // device's, and is not counted as a bad frame: it only ends the stream.
    socket.on('error', (err) => this.destroy(err));
    socket.on('close', () => this.destroy());
  }

  override _read(): void {
    this.socket.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.socket.write(chunk, done);
  }

  /** What aedes wrote while corked (its packets of one tick): one socket write. */
  override _writev(chunks: { chunk: Buffer }[], done: (err?: Error | null) => void): void {
    if (chunks.length === 1) {
      this.socket.write(chunks[0]!.chunk, done);
      return;
    }
    const parts: Buffer[] = new Array<Buffer>(chunks.length);
    for (let i = 0; i < chunks.length; i++) parts[i] = chunks[i]!.chunk;
    this.socket.write(Buffer.concat(parts), done);
  }

  override _final(done: (err?: Error | null) => void): void {
    this.socket.end(() => done());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    this.socket.destroy();
    done(err);
  }
}

/** The stream aedes handles: reads through the guard, writes straight to the socket. */
export function guardedConnection(socket: Socket, limits: { maxConnectBytes: number; maxPacketBytes: number }, onRefused: (err: Error) => void): Duplex {
  return new GuardedConnection(socket, new PacketGuard(limits), onRefused);
}

/** The network socket under a guarded connection (for its address and TLS certificate). */
export function socketOf(conn: unknown): Socket | undefined {
  return (conn as { [SOCKET]?: Socket } | null)?.[SOCKET];
}
