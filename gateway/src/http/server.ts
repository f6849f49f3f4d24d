/**
 * The gateway's local HTTP port: health, Prometheus metrics, and (later) the nurse-station
 * page. Plain node:http with an exact-path route table: there are only a handful of routes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export class HttpServer {
  private readonly routes = new Map<string, Handler>();
  private readonly server: Server;

  constructor(private readonly logger: Logger) {
    this.server = createServer((req, res) => void this.dispatch(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  route(method: 'GET' | 'POST', path: string, handler: Handler): this {
    this.routes.set(`${method} ${path}`, handler);
    return this;
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    const handler = this.routes.get(`${req.method} ${url.pathname}`);
    if (!handler) {
      sendJson(res, 404, { error: { code: 'WL_HTTP_NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } });
      return;
    }
    try {
      await handler(req, res, url);
    } catch (err) {
      this.logger.error({ err, path: url.pathname }, 'http handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: { code: 'WL_HTTP_INTERNAL', message: 'internal error; see the gateway log' } });
      else res.destroy();
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, body: string, contentType: string): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(body);
}
