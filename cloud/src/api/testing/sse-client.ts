/**
 * A minimal EventSource for the stream tests, on fetch: it records every event (and the
 * `retry:` it was told) and waits for the one a test expects.
 */
export interface SseEvent {
  event: string;
  data: unknown;
}

export class TestSseClient {
  readonly events: SseEvent[] = [];
  retryMs: number | undefined;
  /** True once the server ended or cut the stream. */
  ended = false;
  private readonly waiters = new Set<() => void>();

  private constructor(
    readonly status: number,
    private readonly abort: AbortController,
  ) {}

  static async open(url: string, token: string): Promise<TestSseClient> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' }, signal: abort.signal });
    const client = new TestSseClient(res.status, abort);
    if (res.status !== 200 || !res.body) throw new Error(`stream answered ${res.status}: ${await res.text()}`);
    void client.read(res.body);
    return client;
  }

  /** The first recorded event (from index `from`) that matches, waiting up to timeoutMs. */
  async waitFor(match: (e: SseEvent) => boolean, timeoutMs: number, from = 0): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find(match);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0 || this.ended) throw new Error(`no matching event within ${timeoutMs} ms; got ${this.events.map((e) => e.event).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, left);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(done);
      });
    }
  }

  close(): void {
    this.abort.abort();
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          this.parse(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        this.wake();
      }
    } catch {
      // aborted by close(), or cut by the server
    }
    this.ended = true;
    this.wake();
  }

  private parse(block: string): void {
    let event = 'message';
    let data: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data = line.slice(6);
      else if (line.startsWith('retry: ')) this.retryMs = Number(line.slice(7));
    }
    if (data !== undefined) this.events.push({ event, data: JSON.parse(data) as unknown });
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
    this.waiters.clear();
  }
}
