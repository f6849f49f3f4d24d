/**
 * The read-path bench's SSE clients: `count` real HTTP streams of one hospital
 * (GET /v1/hospitals/{h}/stream with a reader token). The watched ward's batches are
 * stamped with one whole-second device time; a client has received batch k when the ISO
 * text of that time appears in its stream (the event carries each changed reading's
 * `t`). Latency = arrival at the client - the moment just before the batch's POST.
 * The bytes are searched raw (no decoding, no JSON parse: Buffer.indexOf), so 500
 * clients at ~50 MiB/s stay cheap for the load process.
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
  /** Bytes received by all clients so far (snapshots included). */
  received: () => number;
  close(): void;
}

const MARKER_LEN = '2026-01-01T00:00:00.000Z'.length;
const SNAPSHOT = Buffer.from('event: snapshot');

/** Whether `needle` is in `chunk`, or across the boundary with the previous chunk's
 * `tail` (its last bytes), without copying the chunk. */
function found(tail: Buffer, chunk: Buffer, needle: Buffer): boolean {
  if (chunk.includes(needle)) return true;
  return tail.length > 0 && Buffer.concat([tail, chunk.subarray(0, needle.length - 1)]).includes(needle);
}

export function openStreams(base: string, hospitalId: string, token: string, count: number, openConcurrency: number, log: (m: string) => void): Fanout {
  const agent = new Agent({ keepAlive: false, maxSockets: Infinity });
  const pending = new Map<string, { at: number; bytes: Buffer }>();
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
      let tail: Buffer = Buffer.alloc(0);
      let opened = false;
      const req = request(`${base}/v1/hospitals/${hospitalId}/stream`, { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          refused++;
          if (refused === 1) res.once('data', (d: Buffer) => log(`stream ${c} refused: ${res.statusCode} ${d.toString().slice(0, 200)}`));
          res.resume();
          return resolve();
        }
        seen.push(got);
        res.on('data', (chunk: Buffer) => {
          const now = performance.now();
          received += chunk.length;
          if (!opened && found(tail, chunk, SNAPSHOT)) {
            opened = true;
            resolve();
          }
          for (const [marker, { at, bytes }] of pending) {
            if (!got.has(marker) && found(tail, chunk, bytes)) {
              got.add(marker);
              latencies.push(now - at);
            }
          }
          // The last MARKER_LEN bytes received, a copy (a chunk's memory may be a pooled slab).
          tail = Buffer.from((chunk.length >= MARKER_LEN ? chunk : Buffer.concat([tail, chunk])).subarray(-MARKER_LEN));
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
    sent: (marker, at) => void pending.set(marker, { at, bytes: Buffer.from(marker) }),
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
