/**
 * Splits a byte stream (serial port or TCP socket) into frames with
 * @serialport/parser-delimiter, on the delimiter of the format's framing (formats/entry.ts),
 * bounds what may pile up without a delimiter, and handles frames with ordered replies and
 * backpressure:
 *  - replies (HL7 ACKs) are written in the order the frames arrived;
 *  - when `maxInFlight` frames await their commit, the source is paused until one settles,
 *    so a slow disk stops the reading instead of growing memory.
 */
import type { Duplex, TransformCallback } from 'node:stream';
import { DelimiterParser } from '@serialport/parser-delimiter';
import { PayloadTooLargeError } from '@wardlink/shared';
import type { Framing } from './formats/entry.js';

/** A DelimiterParser that discards (and reports) input that grows past `maxBytes` without a delimiter. */
export class BoundedDelimiterParser extends DelimiterParser {
  constructor(
    delimiter: Buffer,
    private readonly maxBytes: number,
    private readonly onOverflow: (err: PayloadTooLargeError) => void,
    /** Told whether a frame is begun and not yet ended, after each chunk (message timeouts). */
    private readonly onPartial?: (partial: boolean) => void,
  ) {
    super({ delimiter });
  }

  override _transform(chunk: Buffer, encoding: BufferEncoding, cb: TransformCallback): void {
    super._transform(chunk, encoding, (err) => {
      if (!err && this.buffer.length > this.maxBytes) {
        const size = this.buffer.length;
        this.buffer = Buffer.alloc(0);
        this.onOverflow(new PayloadTooLargeError(size, this.maxBytes));
      }
      this.onPartial?.(this.buffer.length > 0);
      cb(err);
    });
  }
}

export interface FramedSessionOptions {
  source: Duplex;
  /** The format's framing: its delimiter splits the stream. */
  framing: Framing;
  maxFrameBytes: number;
  maxInFlight: number;
  /** Handles one frame; a returned buffer is written back to the source, in frame order. */
  handle: (frame: Buffer) => Promise<Buffer | null | void>;
  onOverflow: (err: PayloadTooLargeError) => void;
  onHandlerError: (err: unknown) => void;
  /** Whether a frame is begun and not ended, after each chunk read. */
  onPartial?: (partial: boolean) => void;
}

export class FramedSession {
  private inFlight = 0;
  private replyChain: Promise<void> = Promise.resolve();
  private paused = false;
  readonly parser: BoundedDelimiterParser;

  constructor(private readonly opts: FramedSessionOptions) {
    this.parser = new BoundedDelimiterParser(opts.framing.delimiter, opts.maxFrameBytes, opts.onOverflow, opts.onPartial);
    opts.source.pipe(this.parser);
    this.parser.on('data', (frame: Buffer) => this.onFrame(frame));
  }

  private onFrame(frame: Buffer): void {
    this.inFlight += 1;
    if (this.inFlight >= this.opts.maxInFlight && !this.paused) {
      // Pausing the parser fills its buffers, and pipe() then pauses the source: a TCP
      // peer sees its window close, a serial port stops being read.
      this.paused = true;
      this.parser.pause();
    }
    const result = this.opts.handle(frame).catch((err: unknown) => {
      this.opts.onHandlerError(err);
      return null;
    });
    this.replyChain = this.replyChain
      .then(() => result)
      .then((reply) => {
        if (reply && !this.opts.source.destroyed && this.opts.source.writable) this.opts.source.write(reply);
      })
      .finally(() => {
        this.inFlight -= 1;
        if (this.paused && this.inFlight < this.opts.maxInFlight / 2) {
          this.paused = false;
          this.parser.resume();
        }
      });
  }

  /** Resolves when every frame received so far has been handled and answered. */
  drained(): Promise<void> {
    return this.replyChain;
  }
}
