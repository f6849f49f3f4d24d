/** The stream hub's fan-out on real HTTP responses and sockets: every client gets every
 * frame once and in order, and the event loop gets turns while a frame goes out. */
import { createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FanOut, type FrameEvent } from './fan-out.js';
import { SseStream } from './sse-stream.js';

interface Fixture {
  server: Server;
  streams: SseStream[];
  /** Frames written to each stream's response so far (server side). */
  writes: number[];
  received: string[];
  responses: IncomingMessage[];
}

let fixture: Fixture | undefined;

/** `count` SSE streams over loopback HTTP; `received[i]` is what client i has read so far. */
async function openStreams(count: number): Promise<Fixture> {
  const pending: Array<(res: ServerResponse) => void> = [];
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.flushHeaders();
    pending.shift()!(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const f: Fixture = { server, streams: [], writes: [], received: [], responses: [] };
  for (let i = 0; i < count; i++) {
    const res = await new Promise<ServerResponse>((resolve) => {
      pending.push(resolve);
      get({ host: '127.0.0.1', port, path: '/', agent: false }, (incoming) => {
        f.received[i] = '';
        f.responses[i] = incoming;
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => (f.received[i] += chunk));
      });
    });
    const stream = new SseStream('h1', res, 1024 * 1024, () => undefined);
    stream.open('');
    f.writes[i] = 0;
    const write = res.write.bind(res) as (chunk: string | Buffer) => boolean;
    res.write = ((chunk: string | Buffer) => {
      f.writes[i]!++;
      return write(chunk);
    }) as typeof res.write;
    f.streams.push(stream);
  }
  return (fixture = f);
}

async function until(done: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

afterEach(async () => {
  for (const r of fixture?.responses ?? []) r.destroy();
  for (const s of fixture?.streams ?? []) s.end();
  await new Promise((r) => fixture?.server.close(r) ?? r(undefined));
  fixture = undefined;
});

describe('FanOut', () => {
  it('writes a frame to a slice of streams at a time, the event loop running between slices', async () => {
    const f = await openStreams(120);
    const sent: Array<[FrameEvent, number]> = [];
    const fanOut = new FanOut((event, n) => sent.push([event, n]), 10);
    const frame = `event: vitals\ndata: ${JSON.stringify({ n: 1 })}\n\n`;
    let writtenAtFirstTurn = -1;
    const written = () => f.writes.filter((n) => n > 0).length;
    fanOut.send(f.streams, frame, 'vitals');
    const firstSlice = written();
    setImmediate(() => (writtenAtFirstTurn = written()));
    await until(() => f.received.every((r) => r === frame));
    // The first slice went out at once; the loop had a turn before the whole frame was written.
    expect(firstSlice).toBe(10);
    expect(writtenAtFirstTurn).toBeGreaterThanOrEqual(10);
    expect(writtenAtFirstTurn).toBeLessThan(120);
    expect(f.writes.every((n) => n === 1)).toBe(true);
    expect(sent).toEqual([['vitals', 120]]);
    expect(fanOut.pending).toBe(0);
  });

  it('gives every stream every frame once and in order, a frame sent to the streams of its moment', async () => {
    const f = await openStreams(60);
    const fanOut = new FanOut(() => undefined, 7);
    const frames = Array.from({ length: 6 }, (_, k) => `event: vitals\ndata: {"k":${k}}\n\n`);
    // The first half of the streams get frames 0-2; all of them frames 3-5.
    for (const frame of frames.slice(0, 3)) fanOut.send(f.streams.slice(0, 30), frame, 'vitals');
    for (const frame of frames.slice(3)) fanOut.send(f.streams, frame, 'vitals');
    expect(fanOut.pending).toBeGreaterThan(1);
    await until(() => f.received.every((r, i) => r.length === (i < 30 ? frames.join('') : frames.slice(3).join('')).length));
    f.received.forEach((r, i) => expect(r).toBe(i < 30 ? frames.join('') : frames.slice(3).join('')));
  });

  it('skips streams that closed while a frame waited, and sends nothing once closed', async () => {
    const f = await openStreams(30);
    const sent: number[] = [];
    const fanOut = new FanOut((_e, n) => sent.push(n), 10);
    fanOut.send(f.streams, 'event: vitals\ndata: {"a":1}\n\n', 'vitals');
    // Streams 20-29 were not reached by the first slice; they end before their turn.
    for (const s of f.streams.slice(20)) s.end();
    await until(() => fanOut.pending === 0);
    expect(sent).toEqual([20]);
    fanOut.close();
    fanOut.send(f.streams.slice(0, 5), 'event: vitals\ndata: {"a":2}\n\n', 'vitals');
    expect(fanOut.pending).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    expect(f.received.slice(0, 5).every((r) => !r.includes('"a":2'))).toBe(true);
  });

  it('drops the frames still waiting when closed', async () => {
    const f = await openStreams(30);
    const sent: number[] = [];
    const fanOut = new FanOut((_e, n) => sent.push(n), 10);
    fanOut.send(f.streams, 'event: vitals\ndata: {"b":1}\n\n', 'vitals');
    fanOut.send(f.streams, 'event: vitals\ndata: {"b":2}\n\n', 'vitals');
    fanOut.close();
    expect(fanOut.pending).toBe(0);
    await new Promise((r) => setTimeout(r, 50));
    // Only the first slice, written before close, went out.
    expect(f.writes.filter((n) => n > 0)).toHaveLength(10);
    expect(sent).toEqual([]);
  });

  it('counts a stream whose write throws as not sent, and still writes to the streams after it', async () => {
    const f = await openStreams(12);
    const sent: number[] = [];
    const fanOut = new FanOut((_e, n) => sent.push(n), 5);
    (f.streams[3] as unknown as { send: () => boolean }).send = () => {
      throw new Error('socket gone wrong');
    };
    const frame = 'event: vitals\ndata: {"c":1}\n\n';
    fanOut.send(f.streams, frame, 'vitals');
    await until(() => fanOut.pending === 0);
    expect(sent).toEqual([11]);
    await until(() => f.received.filter((r) => r === frame).length === 11);
    expect(f.received[3]).toBe('');
  });

  it('refuses a slice that is not a whole number of streams', () => {
    expect(() => new FanOut(() => undefined, 0)).toThrow(RangeError);
    expect(() => new FanOut(() => undefined, 2.5)).toThrow(RangeError);
  });
});
