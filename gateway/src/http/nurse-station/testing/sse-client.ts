/**
 * Test helper: a minimal SSE reader over node:http that keeps every event (name, parsed
 * data, arrival time), the `retry:` value and the comment lines, and waits for one.
 */
import { get, type ClientRequest, type IncomingMessage } from 'node:http';

export interface SseEvent {
  event: string;
  data: unknown;
  atMs: number;
}

export class SseClient {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  retryMs: number | null = null;
  closed = false;
  private buffer = '';
  private waiters: { match: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];

  private constructor(
    readonly req: ClientRequest,
    readonly res: IncomingMessage,
  ) {
    res.setEncoding('utf8');
    res.on('data', (chunk: string) => this.parse(chunk));
    res.on('close', () => (this.closed = true));
  }

  /** `headers`: a session cookie or a bearer token (the stream needs one). */
  static open(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
    return new Promise((resolve, reject) => {
      const req = get(url, { headers: { accept: 'text/event-stream', ...headers } }, (res) => resolve(new SseClient(req, res)));
      req.on('error', reject);
    });
  }

  waitFor<T = unknown>(match: (e: SseEvent & { data: T }) => boolean, timeoutMs = 3000, what = 'an SSE event'): Promise<SseEvent & { data: T }> {
    const m = match as (e: SseEvent) => boolean;
    const seen = this.events.find(m);
    if (seen) return Promise.resolve(seen as SseEvent & { data: T });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.push({ match: m, resolve: (e) => (clearTimeout(timer), resolve(e as SseEvent & { data: T })) });
    });
  }

  close(): void {
    this.req.destroy();
  }

  private parse(chunk: string): void {
    this.buffer += chunk;
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else if (line.startsWith('retry: ')) this.retryMs = Number(line.slice(7));
        else if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length === 0) continue;
      const e: SseEvent = { event, data: JSON.parse(data.join('\n')), atMs: Date.now() };
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.match(e) ? (w.resolve(e), false) : true));
    }
  }
}
