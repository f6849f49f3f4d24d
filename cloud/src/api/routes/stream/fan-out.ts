/**
 * Writes the stream hub's frames to their streams a slice at a time, the event loop free
 * between slices.
 *
 * One frame to every client of a hospital was one task of a socket write per client: for
 * 500 clients 30-80 ms (read-path bench, the service's profile: its longest tasks by far),
 * during which the instance answered nothing else, so a latest or dashboard answer that
 * arrived meanwhile waited for all of it. Between two slices the loop now runs what waits.
 *
 * Order: frames go out one after another, each to every stream it is for before the next
 * one starts, so every stream gets its frames in the order they were sent. A frame is for
 * the streams the hospital had when it was sent (the caller's list, taken then): the
 * frame loop did the same in one go, and a stream opened later gets it, or not, from its
 * snapshot's missed frames (stream-snapshot.ts), never twice.
 */
import type { SseStream } from './sse-stream.js';

/** Streams written per slice: ~50 socket writes, a few ms of the loop. */
export const DEFAULT_FAN_OUT_SLICE = 50;

/** What a frame is, for the hub's count of events sent (keep-alive comments are not counted). */
export type FrameEvent = 'vitals' | 'snapshot' | 'keep-alive';

interface Job {
  streams: readonly SseStream[];
  frame: string;
  bytes: Buffer | undefined;
  event: FrameEvent;
  next: number;
  sent: number;
}

export class FanOut {
  private readonly queue: Job[] = [];
  private scheduled = false;
  private closed = false;

  constructor(
    /** Called once a frame has been written to all of its streams: how many took it. */
    private readonly onSent: (event: FrameEvent, sent: number) => void,
    private readonly sliceSize = DEFAULT_FAN_OUT_SLICE,
  ) {
    if (!(Number.isInteger(sliceSize) && sliceSize >= 1)) throw new RangeError(`a fan-out slice must be a whole number of streams >= 1, not ${sliceSize}`);
  }

  /** Frames waiting, the one being written included. */
  get pending(): number {
    return this.queue.length;
  }

  /** Queues `frame` for `streams` (a list the caller took now, not a live set). */
  send(streams: readonly SseStream[], frame: string, event: FrameEvent): void {
    if (this.closed || streams.length === 0) return;
    // Encoded once for every client of the frame: the sockets neither measure nor encode it again.
    const bytes = streams.length > 1 ? Buffer.from(frame) : undefined;
    this.queue.push({ streams, frame, bytes, event, next: 0, sent: 0 });
    if (!this.scheduled) this.writeSlice();
  }

  /** Drops what is queued (the hub is closing; its streams end). */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
  }

  private writeSlice(): void {
    // Busy while writing too: a send() from inside a stream's write only queues.
    this.scheduled = true;
    let budget = this.sliceSize;
    while (budget > 0 && this.queue.length > 0) {
      const job = this.queue[0]!;
      const end = Math.min(job.streams.length, job.next + budget);
      budget -= end - job.next;
      while (job.next < end) {
        const stream = job.streams[job.next++]!;
        if (sendSafely(stream, job.frame, job.bytes)) job.sent++;
      }
      if (job.next === job.streams.length) {
        this.queue.shift();
        if (job.sent > 0) this.onSent(job.event, job.sent);
      }
    }
    if (this.queue.length > 0 && !this.closed) setImmediate(() => this.writeSlice());
    else this.scheduled = false;
  }
}

/** A throw from one client's socket is that client's failure, not the fan-out's: the frame
 * counts as not sent to it, and the clients after it still get it. */
function sendSafely(stream: SseStream, frame: string, bytes: Buffer | undefined): boolean {
  try {
    return stream.send(frame, bytes);
  } catch {
    return false;
  }
}
