/**
 * The cloud's HTTP server, on node:http. Four routes do not need a framework: the
 * ingest route reads a binary body with its own limit and streams nothing else, so a
 * framework would add a dependency and a body parser we would have to bypass.
 *
 * Shutdown: `close()` stops accepting connections, answers new requests on kept-alive
 * connections 503 (another instance takes the retry), waits for the in-flight requests
 * up to the grace period, then cuts whatever is left.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { sleep, systemClock, type Clock } from '@wardlink/shared';
import type { CloudMetrics } from '../observability/metrics.js';
import { traceFromRequest } from '../observability/trace.js';
import { RequestContext } from './context.js';
import { handleBatch, type BatchRouteDeps } from './routes/batches.js';
import { GATEWAY_STATUS_ROUTE, handleGatewayStatus } from './routes/gateway-status.js';
import { handleHealth, handleReady, type ReadinessCheck } from './routes/health.js';
import { handleMetrics } from './routes/metrics.js';
import { registerReadRoutes, type ReadRouteDeps } from './routes/read/index.js';
import { FHIR_ROUTES, registerFhirRoutes } from './routes/fhir/index.js';
import type { FhirExportRunner } from '../fhir/export/export-runner.js';
import type { StreamHub } from './routes/stream/stream-hub.js';
import { STREAM_ROUTE, streamRoute } from './routes/stream/stream-route.js';
import { Router } from './router.js';
import { BATCH_ROUTE, checkRole, notServedHere } from './role/role-gate.js';
import { servesRole, WrongRoleError, type ServiceRole } from './role/service-role.js';

export interface ApiServerDeps extends Omit<BatchRouteDeps, 'isShuttingDown'> {
  logger: Logger;
  metrics: CloudMetrics;
  readiness: ReadinessCheck;
  /** The read API (latest, history, dashboard), on the replica pool. */
  read: Omit<ReadRouteDeps, 'metrics' | 'clock'>;
  /** The SSE streams of latest vitals; without it the stream route is not served. */
  stream?: StreamHub;
  /** The FHIR bulk-export worker; without it the FHIR routes are not served. */
  fhirExports?: FhirExportRunner;
  clock?: Clock;
  /** Serve HTTPS with this certificate and key (config server.tlsCertFile/tlsKeyFile). */
  tls?: { cert: Buffer; key: Buffer } | undefined;
  /** Which routes this instance answers (config server.role); the others are 421
   * WL_API_WRONG_ROLE. Default 'all'. */
  role?: ServiceRole;
}

export interface ApiServer {
  readonly server: Server;
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Graceful close: waits up to `graceMs` for in-flight requests. Idempotent. */
  close(graceMs: number): Promise<void>;
  readonly shuttingDown: boolean;
}

export function createApiServer(deps: ApiServerDeps): ApiServer {
  const clock = deps.clock ?? systemClock;
  let shuttingDown = false;
  let active = 0;
  const role = deps.role ?? 'all';
  const batchDeps: BatchRouteDeps = { ...deps, isShuttingDown: () => shuttingDown };
  const router = new Router()
    .add('POST', BATCH_ROUTE, (ctx) => handleBatch(ctx, batchDeps))
    .add('GET', '/healthz', (ctx) => handleHealth(ctx))
    .add('GET', '/readyz', (ctx) => handleReady(ctx, deps.readiness, shuttingDown))
    .add('GET', '/metrics', (ctx) => handleMetrics(ctx, deps.metrics))
    .add('POST', GATEWAY_STATUS_ROUTE, (ctx) => handleGatewayStatus(ctx, { ...deps, clock, isShuttingDown: () => shuttingDown }));
  const readDeps: ReadRouteDeps = { ...deps.read, metrics: deps.metrics, clock };
  registerReadRoutes(router, readDeps);
  if (deps.fhirExports) registerFhirRoutes(router, { ...readDeps, exports: deps.fhirExports, jobsPool: deps.pool });
  if (deps.stream) router.add('GET', STREAM_ROUTE, streamRoute(readDeps, deps.stream));
  if (!servesRole(role, 'read')) {
    // An ingest instance runs no stream hub and no export worker: their routes are refused
    // like every read route (421 naming the role), not unknown (404).
    if (!deps.stream) router.add('GET', STREAM_ROUTE, notServedHere);
    if (!deps.fhirExports) {
      for (const pattern of Object.values(FHIR_ROUTES)) router.add('GET', pattern, notServedHere);
      router.add('DELETE', FHIR_ROUTES.exportStatus, notServedHere);
    }
  }

  // A gateway on a slow link still sends a batch in seconds; a client that trickles
  // bytes must not hold a socket and a buffer forever.
  const timeouts = { requestTimeout: 60_000, headersTimeout: 15_000, keepAliveTimeout: 65_000 };
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    active++;
    res.once('close', () => active--);
    void dispatch(req, res);
  };
  // https.Server has every http.Server method used here (close*Connections, listen).
  const server: Server = deps.tls ? (createTlsServer({ ...timeouts, ...deps.tls, minVersion: 'TLSv1.2' }, onRequest) as unknown as Server) : createServer(timeouts, onRequest);

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    const trace = traceFromRequest(req.headers.traceparent);
    const ctx = new RequestContext(req, res, path, trace, deps.logger, clock);
    if (shuttingDown) res.setHeader('connection', 'close');
    try {
      const route = router.match(req.method ?? '?', path);
      try {
        checkRole(role, route.pattern, ctx);
      } catch (err) {
        // Counted: a misrouting load balancer otherwise shows only in access-log lines.
        if (err instanceof WrongRoleError) deps.metrics.wrongRole.inc({ route_role: err.routeRole });
        throw err;
      }
      await route.handler(ctx, route.params);
    } catch (err) {
      ctx.sendError(err, req.complete ? {} : { connection: 'close' });
    }
  }

  let closing: Promise<void> | undefined;
  return {
    server,
    get shuttingDown() {
      return shuttingDown;
    },
    listen: (port, host) =>
      new Promise<AddressInfo>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: (graceMs) =>
      (closing ??= (async () => {
        shuttingDown = true;
        // Streams never finish on their own: end them now (clients reconnect elsewhere)
        // rather than holding the shutdown for the whole grace period.
        deps.stream?.close();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const deadline = clock.monotonicMs() + graceMs;
        while (active > 0 && clock.monotonicMs() < deadline) {
          await sleep(20, clock);
          server.closeIdleConnections();
        }
        if (active > 0) deps.logger.warn({ active, graceMs }, 'shutdown grace period over; closing the remaining connections');
        server.closeAllConnections();
        await closed;
      })()),
  };
}
