/**
 * The gateway's local HTTP port: health, Prometheus metrics, status, and the nurse-station
 * page and API. Plain node:http with an exact-path route table: there are only a handful of
 * routes. Every route says who may use it (`access`), and the server enforces it before the
 * handler runs:
 *  - the Host header must name this gateway (DNS rebinding), and an Origin must be the Host;
 *  - `public`: anyone (the page's shell, /healthz, sign-in);
 *  - `any`: any signed-in account; a permission (`view`, `acknowledge`, ...): a role that has it;
 *  - a change made with a session cookie must come from the gateway's own page (Origin).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import type { SecureContextOptions } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { can, type Permission } from '../staff/index.js';
import type { Authenticator } from './auth/authenticator.js';
import { ForbiddenError } from './auth/errors.js';
import type { HostGuard } from './auth/host-guard.js';
import type { Principal } from './auth/principal.js';
import { HttpError } from './http-error.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL, principal?: Principal) => void | Promise<void>;

export interface RouteOptions {
  access: 'public' | 'any' | Permission;
  /** Does this request count as the person's activity (keeps the session alive)? Default: not for GET. */
  activity?: boolean;
  /** Must come from the gateway's own page even without a session (sign-in: login CSRF). */
  sameOrigin?: boolean;
}

interface Route extends RouteOptions {
  handler: Handler;
}

export interface HttpSecurity {
  guard: HostGuard;
  auth: Authenticator;
}

export class HttpServer {
  private readonly routes = new Map<string, Route>();
  private readonly server: Server | TlsServer;
  /** HTTPS (`http.tls`): the session cookie is then `Secure`. */
  readonly secure: boolean;

  constructor(
    private readonly logger: Logger,
    private readonly security: HttpSecurity,
    tls: SecureContextOptions | null = null,
  ) {
    const handle = (req: IncomingMessage, res: ServerResponse) => void this.dispatch(req, res);
    this.secure = tls !== null;
    this.server = tls === null ? createServer(handle) : createTlsServer(tls, handle);
    // A plain-HTTP client on the HTTPS port gets a TLS alert and a closed socket: nothing
    // of the page or its data is ever sent in clear.
    this.server.keepAliveTimeout = 5_000;
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  route(method: 'GET' | 'POST', path: string, handler: Handler, opts: RouteOptions): this {
    this.routes.set(`${method} ${path}`, { handler, ...opts });
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

  /** SIGHUP: a renewed certificate, for the next connections. */
  setCredentials(tls: SecureContextOptions): void {
    if ('setSecureContext' in this.server) this.server.setSecureContext(tls);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://gateway.local');
    res.setHeader('x-content-type-options', 'nosniff');
    try {
      const { guard, auth } = this.security;
      guard.checkHost(req);
      const route = this.routes.get(`${req.method} ${url.pathname}`);
      if (!route) {
        sendJson(res, 404, { error: { code: 'WL_HTTP_NOT_FOUND', message: `no route ${req.method} ${url.pathname}` } });
        return;
      }
      let principal: Principal | undefined;
      if (route.access !== 'public') {
        principal = auth.authenticate(req, { touch: route.activity ?? req.method !== 'GET' });
        if (route.access !== 'any' && !can(principal.role, route.access)) throw new ForbiddenError(principal.role, route.access);
      }
      guard.checkOrigin(req, route.sameOrigin === true || (principal?.via === 'session' && req.method !== 'GET'));
      await route.handler(req, res, url, principal);
    } catch (err) {
      if (err instanceof HttpError) {
        if (res.headersSent) res.destroy();
        else {
          if (err.status === 413) res.setHeader('connection', 'close'); // do not read the rest
          for (const [k, v] of Object.entries(err.headers())) res.setHeader(k, v);
          sendJson(res, err.status, { error: err.toJSON() });
        }
        return;
      }
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
