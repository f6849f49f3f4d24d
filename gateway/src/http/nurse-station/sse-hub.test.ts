import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SseHub } from './sse-hub.js';
import { SseClient } from './testing/sse-client.js';

let hub: SseHub;
let server: Server;
let url: string;

async function serve(opts: ConstructorParameters<typeof SseHub>[0]): Promise<void> {
  hub = new SseHub(opts);
  hub.start();
  server = createServer((req, res) => hub.attach(req, res, [{ event: 'hello', data: { n: 0 } }]));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}
const nextTurn = () => new Promise((r) => setImmediate(r));

beforeEach(() => {
  hub = undefined as never;
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
});
