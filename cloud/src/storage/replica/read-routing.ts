/**
 * Routes reads between the replica and the primary. `pool` looks like the replica's
 * pg.Pool to every read route, but each connect/query goes to:
 * - the replica while it is up and its lag is at most `maxLagMs`;
 * - else the primary, counted in wardlink_cloud_replica_fallbacks_total{reason}.
 * A request that fails to reach the replica (connect refused, connection lost) is
 * retried on the primary at once and marks the replica down, so the next requests go
 * straight to the primary until a monitor check finds it again.
 *
 * `run(res, fn)` wraps one read request: it decides the target once, answers it in the
 * `X-Wardlink-Read-From` header (and the lag in `X-Wardlink-Replica-Lag-Ms`), and keeps
 * the decision for every query of the request (AsyncLocalStorage), so one answer never
 * mixes rows of the replica and of the primary unless the replica failed mid-request.
 *
 * A replica host that stops answering without closing its connections leaves the queries
 * already sent to it waiting (statement_timeout runs on that host, TCP keeps the socket
 * for hours). When the monitor's bounded check finds the replica unreachable, the routing
 * ends every replica connection checked out at that moment: a `query` on one fails with
 * "Connection terminated" and is retried on the primary; a request holding a connection
 * (a cursor) fails as the replica's loss of connection would, instead of hanging.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { ServerResponse } from 'node:http';
import type pg from 'pg';
import type { FallbackReason, ReplicaMetrics } from './replica-metrics.js';
import type { ReplicaMonitor } from './replica-monitor.js';

export const READ_FROM_HEADER = 'x-wardlink-read-from';
export const REPLICA_LAG_HEADER = 'x-wardlink-replica-lag-ms';

type Target = 'replica' | 'primary';

interface RequestRoute {
  res: ServerResponse | undefined;
  target: Target;
  fellBack: boolean;
}

export interface ReadRoutingOptions {
  primary: pg.Pool;
  replica: pg.Pool;
  monitor: ReplicaMonitor;
  metrics: ReplicaMetrics;
  maxLagMs: number;
  /** false: never route to the primary (a down replica answers 503 WL_DB_UNAVAILABLE). */
  fallbackToPrimary: boolean;
}

/** Failures of the replica itself (not of the query): worth retrying on the primary. */
export function isReplicaFailure(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  if (typeof code !== 'string') return true; // "Connection terminated", connect timeout
  // Node network errors; SQLSTATE 08 (connection), 57P (shutdown, crash), and 40001,
  // which a standby raises when replay cancels a query (conflict with recovery).
  return /^E[A-Z]+$/.test(code) || code.startsWith('08') || code.startsWith('57P') || code === '40001';
}

export class ReadRouting {
  readonly pool: pg.Pool;
  private readonly requests = new AsyncLocalStorage<RequestRoute>();
  /** Replica connections checked out now (by a request, or by a pool.query under way). */
  private readonly checkedOut = new Set<pg.PoolClient>();

  constructor(private readonly o: ReadRoutingOptions) {
    o.replica.on('acquire', (client) => void this.checkedOut.add(client));
    o.replica.on('release', (_err, client) => void this.checkedOut.delete(client));
    o.replica.on('remove', (client) => void this.checkedOut.delete(client as pg.PoolClient));
    o.monitor.onUnreachable(() => this.endInFlight());
    const connect = () => this.connect();
    const query = (...args: unknown[]) => this.query(args);
    this.pool = new Proxy(o.replica, {
      get: (target, prop) => (prop === 'connect' ? connect : prop === 'query' ? query : Reflect.get(target, prop, target)),
    });
  }

  /** Ends the checked-out replica connections: pg's end() destroys the socket of a
   * connection whose query is under way, so that query fails at once. */
  private endInFlight(): void {
    for (const client of this.checkedOut) void client.end().catch(() => undefined);
    this.checkedOut.clear();
  }

  /** Where a read goes now, and why not the replica when it does not. */
  decide(): { target: Target; reason?: FallbackReason } {
    const { up, lagMs } = this.o.monitor.state;
    if (!this.o.fallbackToPrimary) return { target: 'replica' };
    if (!up) return { target: 'primary', reason: 'down' };
    if (lagMs !== undefined && lagMs > this.o.maxLagMs) return { target: 'primary', reason: 'lag' };
    return { target: 'replica' };
  }

  /** Runs one read request's handler with its route decided and announced. */
  run<T>(res: ServerResponse, fn: () => Promise<T>): Promise<T> {
    const { target, reason } = this.decide();
    if (reason) this.o.metrics.fallbacks.inc({ reason });
    const lagMs = this.o.monitor.state.lagMs;
    res.setHeader(READ_FROM_HEADER, target);
    if (lagMs !== undefined) res.setHeader(REPLICA_LAG_HEADER, String(Math.round(lagMs)));
    return this.requests.run({ res, target, fellBack: reason !== undefined }, fn);
  }

  private route(): RequestRoute {
    return this.requests.getStore() ?? { res: undefined, target: this.decide().target, fellBack: false };
  }

  private fallBack(route: RequestRoute, err: unknown): void {
    this.o.monitor.markDown(err);
    if (!route.fellBack) this.o.metrics.fallbacks.inc({ reason: 'error' });
    route.fellBack = true;
    route.target = 'primary';
    if (route.res && !route.res.headersSent) {
      route.res.setHeader(READ_FROM_HEADER, 'primary');
      route.res.removeHeader(REPLICA_LAG_HEADER);
    }
  }

  private async connect(): Promise<pg.PoolClient> {
    const route = this.route();
    if (route.target === 'replica') {
      try {
        return await this.o.replica.connect();
      } catch (err) {
        if (!this.o.fallbackToPrimary) throw err;
        this.fallBack(route, err);
      }
    }
    return this.o.primary.connect();
  }

  private async query(args: unknown[]): Promise<unknown> {
    const call = (pool: pg.Pool) => (pool.query as (...a: unknown[]) => Promise<unknown>).apply(pool, args);
    // The callback form is passed through as it is (no read route uses it).
    if (typeof args.at(-1) === 'function') return call(this.route().target === 'replica' ? this.o.replica : this.o.primary);
    const route = this.route();
    if (route.target === 'replica') {
      try {
        return await call(this.o.replica);
      } catch (err) {
        if (!this.o.fallbackToPrimary || !isReplicaFailure(err)) throw err;
        this.fallBack(route, err);
      }
    }
    return call(this.o.primary);
  }
}
