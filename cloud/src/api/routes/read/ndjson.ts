/**
 * Writing a streamed NDJSON answer with backpressure: `write` waits while the socket's
 * buffer is full, so a slow client makes the route read the database slower instead of
 * the process buffering the whole answer. It resolves false once the client is gone.
 */
import type { ServerResponse } from 'node:http';

export const NDJSON = 'application/x-ndjson; charset=utf-8';

export class NdjsonWriter {
  private gone = false;

  constructor(private readonly res: ServerResponse) {
    res.once('close', () => (this.gone = true));
  }

  get clientGone(): boolean {
    return this.gone || this.res.destroyed;
  }

  /** Writes the lines; true when the client may take more. */
  async write(lines: string): Promise<boolean> {
    if (this.clientGone) return false;
    if (this.res.write(lines)) return true;
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

  end(lastLine: unknown): void {
    if (!this.clientGone) this.res.end(`${JSON.stringify(lastLine)}\n`);
  }
}
