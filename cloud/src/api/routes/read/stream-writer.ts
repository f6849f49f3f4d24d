/**
 * Writing a streamed answer with backpressure: `write` waits while the socket's buffer is
 * full, so a slow client makes the route read the database slower instead of the process
 * buffering the whole answer. It resolves false once the client is gone. The format
 * (NDJSON, CSV) is the caller's: this class only moves text.
 */
import type { ServerResponse } from 'node:http';

export class StreamWriter {
  private gone = false;

  constructor(private readonly res: ServerResponse) {
    res.once('close', () => (this.gone = true));
  }

  get clientGone(): boolean {
    return this.gone || this.res.destroyed;
  }

  /** Writes the text (or bytes); true when the client may take more. */
  async write(text: string | Uint8Array): Promise<boolean> {
    if (this.clientGone) return false;
    if (this.res.write(text)) return true;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.once('drain', done);
      this.res.once('close', done);
    });
    return !this.clientGone;
  }

  /** Writes the last text and ends the answer (nothing, if the client left). */
  end(lastText: string): void {
    if (!this.clientGone) this.res.end(lastText);
  }
}
