/**
 * The read-path bench's SSE clients: `count` real HTTP streams of one hospital
 * (GET /v1/hospitals/{h}/stream with a reader token). The watched ward's batches are
 * stamped with one whole-second device time; a client has received batch k when the ISO
 * text of that time appears in its stream (the event carries each changed reading's
 * `t`). Latency = arrival at the client - the moment just before the batch's POST.
 * The text is searched raw (no JSON parse), so 500 clients stay cheap for the bench.
 */
import { Agent, request, type ClientRequest } from 'node:http';

export interface Fanout {
  /** Resolves once every client has its snapshot or was refused. */
  ready: Promise<void>;
  /** Registers a batch's marker with its send time (performance.now()). */
  sent(marker: string, atMs: number): void;
  latencies: number[];
  /** (client, marker) pairs not received by close(). */
  missed(): number;
  dropped: () => number;
  /** Streams answered with an error status (or failing to connect) on opening. */
  refused: () => number;
  /** Characters received by all clients so far (snapshots included). */
  received: () => number;
  close(): void;
}

const MARKER_LEN = '2026-01-01T00:00:00.000Z'.length;

export function openStreams(base: string, hospitalId: string, token: string, count: number, openConcurrency: number, log: (m: string) => void): Fanout {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const pending = new Map<string, number>();
  const latencies: number[] = [];
  const seen: Array<Set<string>> = [];
  const reqs: ClientRequest[] = [];
  let dropped = 0;
  let closing = false;
  let refused = 0;
  let received = 0;
  const openOne = (c: number) =>
    new Promise<void>((resolve) => {
      const got = new Set<string>();
      let tail = '';
      const req = request(`${base}/v1/hospitals/${hospitalId}/stream`, { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          refused++;
          if (refused === 1) res.once('data', (d: Buffer) => log(`stream ${c} refused: ${res.statusCode} ${d.toString().slice(0, 200)}`));
          res.resume();
          return resolve();
        }
        seen.push(got);
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          const now = performance.now();
          received += chunk.length;
          if (chunk.includes('event: snapshot')) resolve();
          const text = tail + chunk;
          for (const [marker, at] of pending) {
            if (!got.has(marker) && text.includes(marker)) {
              got.add(marker);
              latencies.push(now - at);
            }
          }
          tail = text.slice(-MARKER_LEN);
        });
        res.on('close', () => {
          if (!closing) dropped++;
        });
      });
      req.on('error', (err) => {
        if (!closing) log(`stream ${c}: ${err.message}`);
        refused++;
        resolve();
      });
      req.end();
      reqs.push(req);
    });
  // At most `openConcurrency` opens at once: see the bench's notes on the stampede.
  let next = 0;
  const ready = Promise.all(
    Array.from({ length: Math.min(openConcurrency, count) }, async () => {
      while (next < count) await openOne(next++);
    }),
  ).then(() => undefined);
  return {
    ready,
    sent: (marker, at) => void pending.set(marker, at),
    latencies,
    missed: () => seen.reduce((n, got) => n + [...pending.keys()].filter((m) => !got.has(m)).length, 0),
    dropped: () => dropped,
    refused: () => refused,
    received: () => received,
    close() {
      closing = true;
      for (const r of reqs) r.destroy();
      agent.destroy();
    },
  };
}
