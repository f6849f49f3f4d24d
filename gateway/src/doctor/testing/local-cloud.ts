/**
 * A small real HTTPS server that answers the two requests the doctor makes of the cloud
 * as the cloud does (cloud/src/api/routes: health.ts, batches.ts; the gateway's tests may
 * not import the cloud): GET /healthz 200 with a Date header, and POST /v1/batches with an
 * empty body: 401 WL_API_UNAUTHORIZED for a wrong token, 400 WL_API_INVALID_BATCH after
 * a right one. `clockOffsetMs` makes its Date header lie, to test the skew check. The
 * e2e test (e2e/src/doctor.test.ts) checks the same against the real cloud.
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { makeSelfSigned } from '../../tls/self-signed.js';

export interface LocalCloud {
  url: string;
  certPem: string;
  /** Requests seen, as "METHOD path". */
  requests: string[];
  close(): Promise<void>;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export async function startLocalCloud(opts: { token: string; clockOffsetMs?: number }): Promise<LocalCloud> {
  const cert = await makeSelfSigned({ commonName: 'cloud.test', names: ['127.0.0.1', 'localhost'] });
  const requests: string[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    requests.push(`${req.method} ${req.url}`);
    if (opts.clockOffsetMs) {
      res.sendDate = false;
      res.setHeader('date', new Date(Date.now() + opts.clockOffsetMs).toUTCString());
    }
    req.resume();
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/healthz') return send(res, 200, { status: 'ok' });
      if (req.method === 'POST' && req.url === '/v1/batches') {
        if (req.headers.authorization !== `Bearer ${opts.token}`) return send(res, 401, { error: { code: 'WL_API_UNAUTHORIZED', message: 'the token belongs to no gateway' } });
        return send(res, 400, { error: { code: 'WL_API_INVALID_BATCH', message: 'the batch is not acceptable: the body is empty; send one encoded batch' } });
      }
      send(res, 404, { error: { code: 'WL_API_ROUTE_NOT_FOUND', message: 'no such route' } });
    });
  };
  const server: Server = createServer({ cert: cert.certPem, key: cert.keyPem }, handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `https://127.0.0.1:${port}`,
    certPem: cert.certPem,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
