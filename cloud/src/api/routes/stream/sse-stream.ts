/**
 * One SSE client of the stream route. Its queue is the bytes its socket has not taken
 * yet (`writableLength`): past `maxQueuedBytes` the client is dropped (the connection is
 * destroyed), never buffered without limit. The check is on the backlog before a write,
 * so one large frame (a big hospital's snapshot) still goes to a client that keeps up;
 * memory per client is bounded by the bound plus one frame.
 *
 * Until `open` has written the snapshot, frames wait in a small array (bounded the same
 * way): a change committed while the snapshot was being read is then sent after it,
 * never lost between the two.
 */
import type { ServerResponse } from 'node:http';

export function sseFrame(event: string, data: unknown): string {
  // JSON.stringify never emits a raw newline, so the data fits one `data:` line.
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

export class SseStream {
  private pending: string[] | undefined = [];
  private pendingBytes = 0;
  private closed = false;

  constructor(
    readonly hospitalId: string,
    private readonly res: ServerResponse,
    private readonly maxQueuedBytes: number,
    /** Called once when the client is dropped for being slow. */
    private readonly onDrop: (stream: SseStream, queuedBytes: number) => void,
  ) {
    res.once('close', () => (this.closed = true));
  }

  get isClosed(): boolean {
    return this.closed || this.res.destroyed;
  }

  /** Writes the first frames (retry + snapshot), then whatever arrived meanwhile. */
  open(first: string): void {
    const queued = this.pending ?? [];
    this.pending = undefined;
    this.write(first + queued.join(''));
  }

  /** Sends a frame; returns false when the client is gone or was dropped now. `bytes` is
   * the frame encoded once for every client of a fan-out: written as is, the socket
   * neither measures nor encodes the text again for each of them. */
  send(frame: string, bytes?: Buffer): boolean {
    if (this.isClosed) return false;
    if (this.pending) {
      this.pendingBytes += frame.length;
      if (this.pendingBytes > this.maxQueuedBytes) return this.drop(this.pendingBytes);
      this.pending.push(frame);
      return true;
    }
    return this.write(bytes ?? frame);
  }

  end(): void {
    this.closed = true;
    this.res.end();
  }

  private write(frame: string | Buffer): boolean {
    if (this.isClosed) return false;
    if (this.res.writableLength > this.maxQueuedBytes) return this.drop(this.res.writableLength);
    this.res.write(frame);
    return true;
  }

  private drop(queuedBytes: number): false {
    this.closed = true;
    this.res.destroy();
    this.onDrop(this, queuedBytes);
    return false;
  }
}
