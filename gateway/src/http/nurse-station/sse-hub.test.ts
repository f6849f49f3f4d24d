import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpError } from '../http-error.js';
import { sendJson } from '../server.js';
import { SseHub } from './sse-hub.js';
import { SseClient } from './testing/sse-client.js';

let hub: SseHub;
let server: Server;
let url: string;

let valid = true;

async function serve(opts: ConstructorParameters<typeof SseHub>[0]): Promise<void> {
  hub = new SseHub(opts);
  hub.start();
  server = createServer((req, res) => {
    try {
      hub.attach(req, res, [{ event: 'hello', data: { n: 0 } }], () => valid);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      for (const [k, v] of Object.entries(err.headers())) res.setHeader(k, v);
      sendJson(res, err.status, { error: err.toJSON() });
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}
const nextTurn = () => new Promise((r) => setImmediate(r));

beforeEach(() => {
  hub = undefined as never;
  valid = true;
});
afterEach(async () => {
  hub?.close();
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('SseHub', () => {
  it('tells the browser when to reconnect, sends the initial snapshot, broadcasts, and keeps the stream alive', async () => {
    await serve({ heartbeatMs: 50, retryMs: 1500 });
    const client = await SseClient.open(url);
    expect(client.res.headers['content-type']).toMatch(/^text\/event-stream/);
    await client.waitFor((e) => e.event === 'hello');
    expect(client.retryMs).toBe(1500);
    hub.broadcast({ event: 'alarms', data: { alarms: [{ alarmId: 'a1', message: 'line\nbreak' }] } });
    const e = await client.waitFor<{ alarms: { message: string }[] }>((x) => x.event === 'alarms');
    expect(e.data.alarms[0]!.message).toBe('line\nbreak');
    await new Promise((r) => setTimeout(r, 160));
    expect(client.comments.filter((c) => c === 'heartbeat').length).toBeGreaterThanOrEqual(2);
    client.close();
  });

  it('drops a client that stops reading, and keeps serving one that reads', async () => {
    await serve({ maxBufferedBytes: 128 * 1024 });
    const fast = await SseClient.open(url);
    // A client that sends its request and then never reads its socket.
    const slow = connect((server.address() as AddressInfo).port, '127.0.0.1');
    await new Promise<void>((r) => slow.once('connect', () => r()));
    slow.write('GET / HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
    slow.pause();
    for (let i = 0; i < 200 && hub.clientCount < 2; i++) await nextTurn();
    expect(hub.clientCount).toBe(2);

    const blob = 'x'.repeat(16 * 1024);
    let sent = 0;
    // Past the kernel's socket buffers, the slow client's queue grows until the bound.
    while (hub.dropped === 0 && sent < 4000) {
      hub.broadcast({ event: 'blob', data: { i: sent++, blob } });
      await nextTurn();
    }
    expect(hub.dropped).toBe(1);
    expect(hub.clientCount).toBe(1);
    const last = await fast.waitFor<{ i: number }>((e) => e.event === 'blob' && (e.data as { i: number }).i === sent - 1, 10_000);
    expect(last.data.i).toBe(sent - 1);
    expect(fast.events.filter((e) => e.event === 'blob')).toHaveLength(sent); // the reader missed nothing
    fast.close();
    slow.destroy();
  });

  it('refuses clients past the limit with a stable code', async () => {
    await serve({ maxClients: 1 });
    const first = await SseClient.open(url);
    await first.waitFor((e) => e.event === 'hello');
    const res = await fetch(url);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('WL_SSE_TOO_MANY_CLIENTS');
    first.close();
  });

  it('caps the streams from one address below the total', async () => {
    await serve({ maxClients: 10, maxClientsPerAddress: 2 });
    const a = await SseClient.open(url);
    const b = await SseClient.open(url);
    await Promise.all([a.waitFor((e) => e.event === 'hello'), b.waitFor((e) => e.event === 'hello')]);
    const res = await fetch(url);
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('10');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('WL_SSE_TOO_MANY_FROM_ADDRESS');
    a.close();
    b.close();
  });

  it('ends a stream whose session ended, with a signed-out event, within the recheck time', async () => {
    await serve({ recheckMs: 50 });
    const client = await SseClient.open(url);
    await client.waitFor((e) => e.event === 'hello');
    valid = false;
    await client.waitFor((e) => e.event === 'signed-out', 1000);
    for (let i = 0; i < 100 && !client.closed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(client.closed).toBe(true);
    expect(hub.clientCount).toBe(0);
  });
});
