import type { TLSSocket } from 'node:tls';
import { inspect } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { UplinkClient } from './client.js';
import { resolveUplinkOptions, type UplinkSettings } from './options.js';
import { json, startScriptedServer, type ScriptedServer } from './testing/http-server.js';
import { makeTestPki } from './testing/tls.js';

const TOKEN = 'wlt_secret-token-value';
let server: ScriptedServer | undefined;
let client: UplinkClient | undefined;

afterEach(async () => {
  await client?.destroy();
  await server?.close();
  client = undefined;
  server = undefined;
});

function clientFor(url: string, extra: Partial<UplinkSettings> = {}): UplinkClient {
  client = new UplinkClient(resolveUplinkOptions({ url, token: TOKEN, ...extra }), () => Date.now());
  return client;
}
const request = (n = 1) => ({ body: Buffer.from(`batch-${n}`), idempotencyKey: `gw-1:${n}`, traceparent: `00-${'ab'.repeat(16)}-${'cd'.repeat(8)}-01` });

describe('UplinkClient over real HTTP', () => {
  it('POSTs the batch with its token, idempotency key and traceparent, on one keep-alive connection', async () => {
    server = await startScriptedServer((_req, res) => json(res, 200, { accepted: true, duplicate: false, traceId: 'remote-1' }));
    const c = clientFor(`${server.url}/wardlink/`, { concurrency: 1 });
    for (let n = 1; n <= 5; n++) expect(await c.send(request(n))).toEqual({ kind: 'accepted', status: 200, duplicate: false, remoteTraceId: 'remote-1' });
    const first = server.received[0]!;
    expect(first.method).toBe('POST');
    expect(first.url).toBe('/wardlink/v1/batches');
    expect(first.body.toString()).toBe('batch-1');
    expect(first.headers).toMatchObject({
      'content-type': 'application/vnd.wardlink.batch',
      authorization: `Bearer ${TOKEN}`,
      'idempotency-key': 'gw-1:1',
      traceparent: request().traceparent,
      'content-length': '7',
    });
    expect(server.received.map((r) => r.headers['idempotency-key'])).toEqual(['gw-1:1', 'gw-1:2', 'gw-1:3', 'gw-1:4', 'gw-1:5']);
    expect(server.connections).toBe(1);
    expect(inspect(c, { depth: 5, showHidden: false })).not.toContain(TOKEN);
    expect(JSON.stringify(resolveUplinkOptions({ url: server.url, token: TOKEN }))).not.toContain(TOKEN);
  });

  it('reports a replay, a 503 with Retry-After and a 400 with the cloud\'s code', async () => {
    const answers: (() => { status: number; body: unknown; headers?: Record<string, string> })[] = [
      () => ({ status: 200, body: { accepted: true, duplicate: true } }),
      () => ({ status: 503, body: { error: { code: 'WL_DB_UNAVAILABLE', message: 'db down' } }, headers: { 'retry-after': '2' } }),
      () => ({ status: 400, body: { error: { code: 'WL_CODEC_CHECKSUM', message: 'bad crc' } } }),
    ];
    server = await startScriptedServer((_req, res) => {
      const a = answers.shift()!();
      json(res, a.status, a.body, a.headers);
    });
    const c = clientFor(server.url);
    expect(await c.send(request(1))).toMatchObject({ kind: 'accepted', duplicate: true });
    expect(await c.send(request(1))).toMatchObject({ kind: 'retry', status: 503, code: 'WL_DB_UNAVAILABLE', retryAfterMs: 2000 });
    expect(await c.send(request(1))).toMatchObject({ kind: 'reject', status: 400, code: 'WL_CODEC_CHECKSUM' });
  });

  it('times out when the answer\'s headers never come, and when its body stalls', async () => {
    server = await startScriptedServer((req, res) => {
      if (req.headers['idempotency-key'] === 'gw-1:2') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
        res.write('{"accepted":'); // ... and nothing more
      }
      // gw-1:1: no answer at all
    });
    const c = clientFor(server.url, { headersTimeoutMs: 150, bodyTimeoutMs: 150 });
    const t0 = Date.now();
    expect(await c.send(request(1))).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_TIMEOUT', detail: { networkCode: 'UND_ERR_HEADERS_TIMEOUT' } });
    expect(await c.send(request(2))).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_TIMEOUT', detail: { networkCode: 'UND_ERR_BODY_TIMEOUT' } });
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  it('reports a refused connection as a network failure to retry', async () => {
    server = await startScriptedServer(() => undefined);
    const url = server.url;
    await server.close();
    server = undefined;
    expect(await clientFor(url).send(request())).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_NETWORK', status: null, detail: { networkCode: 'ECONNREFUSED' } });
  });

  it('reads at most 64 KiB of an answer', async () => {
    server = await startScriptedServer((_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('x'.repeat(5 * 1024 * 1024));
    });
    expect(await clientFor(server.url).send(request())).toMatchObject({ kind: 'retry', status: 502, code: 'WL_UPLINK_HTTP_502' });
  });

  // The Pool is made at the first send (lazy-pool.ts): stopped before it or during it, the
  // uplink must see what undici's Pool made at construction gave it.
  it('aborts a send after close() or destroy() even when nothing was sent before, and one still making its pool', async () => {
    server = await startScriptedServer(() => undefined); // never answers
    const destroyed = clientFor(server.url);
    await destroyed.destroy();
    expect(await destroyed.send(request(1))).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_ABORTED', detail: { networkCode: 'UND_ERR_DESTROYED' } });
    const closed = clientFor(server.url);
    await closed.close(); // a Pool whose close() has completed is destroyed
    expect(await closed.send(request(2))).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_ABORTED', detail: { networkCode: 'UND_ERR_DESTROYED' } });
    expect(server.connections).toBe(0);

    const stopping = clientFor(server.url);
    const first = stopping.send(request(3));
    await stopping.destroy(); // the pool was still being made: the send in it is aborted, not left waiting 60 s for headers
    expect(await first).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_ABORTED' });
  });
});

describe('UplinkClient over TLS with a private CA and a client certificate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-uplink-tls-'));
  const pki = makeTestPki(dir);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(pki === null)('sends when the CA and the client certificate are configured, and refuses otherwise', async () => {
    const p = pki!;
    server = await startScriptedServer(
      (req, res) => json(res, 200, { accepted: true, duplicate: false, client: (req.socket as TLSSocket).getPeerCertificate().subject?.CN }),
      { key: p.serverKey, cert: p.serverCert, ca: p.ca, requestCert: true, rejectUnauthorized: true },
    );
    const mutual = clientFor(server.url, { tls: { ca: p.ca, cert: p.clientCert, key: p.clientKey } });
    expect(await mutual.send(request(1))).toMatchObject({ kind: 'accepted', status: 200 });
    expect(server.received).toHaveLength(1);
    await mutual.destroy();

    // The system roots do not know the private CA: the server's certificate is refused.
    const noCa = clientFor(server.url, { tls: { cert: p.clientCert, key: p.clientKey } });
    expect(await noCa.send(request(2))).toMatchObject({ kind: 'retry', code: 'WL_UPLINK_TLS' });
    await noCa.destroy();

    // The server demands a client certificate: without one the request never arrives.
    const noCert = clientFor(server.url, { tls: { ca: p.ca } });
    expect(await noCert.send(request(3))).toMatchObject({ kind: 'retry' });
    expect(server.received).toHaveLength(1);
  });
});
