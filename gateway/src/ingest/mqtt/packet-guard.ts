/**
 * Bounds every MQTT packet before aedes reads it. aedes (and mqtt-packet under it) has no
 * packet size limit: a client may announce a 256 MB packet and stream it, and it is
 * buffered, before or after authentication. This guard reads each packet's fixed header
 * (type byte, remaining-length varint) as the bytes pass and cuts the connection at once
 * when a packet would be larger than allowed: `maxConnectBytes` for the first packet (the
 * CONNECT, before any credential is checked), `maxPacketBytes` after it.
 */
import { Duplex, Transform, type TransformCallback } from 'node:stream';
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

export class PacketGuard extends Transform {
  /** Bytes of the current packet's body still to pass. */
  private bodyLeft = 0;
  /** Reading a fixed header: -1 before its type byte, else the varint bytes read so far. */
  private headerBytes = -1;
  private length = 0;
  private multiplier = 1;
  private packets = 0;

  constructor(private readonly limits: { maxConnectBytes: number; maxPacketBytes: number }) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
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
        if (this.headerBytes >= 4) {
          done(new MalformedPacketError());
          return;
        }
        continue;
      }
      const first = this.packets === 0;
      const limit = first ? this.limits.maxConnectBytes : this.limits.maxPacketBytes;
      if (this.length > limit) {
        done(new PacketTooLargeError(this.length, limit, first));
        return;
      }
      this.packets += 1;
      this.headerBytes = -1;
      this.bodyLeft = this.length;
    }
    done(null, chunk);
  }
}

const SOCKET = Symbol('wardlink.socket');

/** The stream aedes handles: reads through the guard, writes straight to the socket. */
export function guardedConnection(socket: Socket, limits: { maxConnectBytes: number; maxPacketBytes: number }, onRefused: (err: Error) => void): Duplex {
  const guard = new PacketGuard(limits);
  guard.on('error', (err) => {
    // A connection that ends (the device hangs up, the gateway stops) aborts the guard's
    // pipe: that is no fault of the device's, and must not be counted as a bad frame.
    if (!isClosing(err)) onRefused(err);
    socket.destroy();
  });
  socket.pipe(guard);
  const conn = Duplex.from({ readable: guard, writable: socket });
  (conn as Duplex & { [SOCKET]: Socket })[SOCKET] = socket;
  socket.on('close', () => conn.destroy());
  return conn;
}

function isClosing(err: Error): boolean {
  const code = (err as { code?: unknown }).code;
  return err.name === 'AbortError' || code === 'ABORT_ERR' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** The network socket under a guarded connection (for its address and TLS certificate). */
export function socketOf(conn: unknown): Socket | undefined {
  return (conn as { [SOCKET]?: Socket } | null)?.[SOCKET];
}
