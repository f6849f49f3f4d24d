/**
 * The PostgreSQL connection pools: one for the primary (ingest, migrations, lifecycle
 * jobs) and one for reads (dashboards, history, reports), which is the primary's own
 * pool when no replica is configured.
 *
 * Every limit comes from config: the pool is bounded (`poolMax`), a request that cannot
 * get a connection in `connectionTimeoutMs` fails fast with WL_DB_UNAVAILABLE (503 +
 * Retry-After) instead of queueing forever, and every statement has a server-side
 * `statement_timeout`.
 */
import pg from 'pg';
import { ConfigError, systemClock, type Clock } from '@wardlink/shared';
import type { DatabaseConfig } from '../config/schema.js';
import { toDatabaseError } from './db-errors.js';
import type { Logger } from './logger.js';
import { ReadRouting } from './replica/read-routing.js';
import { ReplicaMetrics } from './replica/replica-metrics.js';
import { ReplicaMonitor } from './replica/replica-monitor.js';

export interface Pools {
  readonly primary: pg.Pool;
  /** The reads' pool. Without a replica URL: a pool of its own on the primary
   * (readPoolMax connections), so reads never queue behind ingest for a connection
   * (measured by `pnpm bench read-path`: one shared pool made a 0.8 ms query answer in
   * ~1 s under ingest). With one: the replica's pool routed
   * (storage/replica/read-routing.ts), to the primary while the replica is down or lags
   * more than replicaMaxLagMs. */
  readonly replica: pg.Pool;
  readonly hasReplica: boolean;
  /** The routing and its metrics, when a replica is configured. */
  readonly routing?: ReadRouting;
  readonly replicaMetrics?: ReplicaMetrics;
  /** Closes both pools (once); safe to call more than once. */
  end(): Promise<void>;
}

export type PoolSettings = Pick<
  DatabaseConfig,
  'url' | 'replicaUrl' | 'poolMax' | 'replicaPoolMax' | 'statementTimeoutMs' | 'idleTimeoutMs' | 'connectionTimeoutMs'
> &
  Partial<Pick<DatabaseConfig, 'readPoolMax'>> &
  Partial<Pick<DatabaseConfig, 'replicaMaxLagMs' | 'replicaCheckIntervalMs' | 'replicaFallbackToPrimary'>>;

export interface CreatePoolsOptions {
  /** Shown in pg_stat_activity; default "wardlink-cloud". */
  applicationName?: string;
  /** Times the replica checks; default the system clock. */
  clock?: Clock;
}

/** The default of database.readPoolMax. */
export const DEFAULT_READ_POOL_MAX = 8;

export function createPools(settings: PoolSettings, logger: Logger, options: CreatePoolsOptions = {}): Pools {
  if (settings.url === undefined) {
    throw new ConfigError('database.url', 'must be set before connecting (or start the embedded PostgreSQL first)');
  }
  const appName = options.applicationName ?? 'wardlink-cloud';
  const primary = makePool('primary', settings.url, settings.poolMax, settings, appName, logger);
  if (settings.replicaUrl === undefined) {
    const reads = makePool('reads', settings.url, settings.readPoolMax ?? DEFAULT_READ_POOL_MAX, settings, `${appName}-read`, logger);
    let ended: Promise<void> | undefined;
    return { primary, replica: reads, hasReplica: false, end: () => (ended ??= Promise.all([primary.end(), reads.end()]).then(() => undefined)) };
  }
  const replica = makePool('replica', settings.replicaUrl, settings.replicaPoolMax, settings, `${appName}-read`, logger);
  // The monitor's own connection: its checks never queue behind requests for a slot.
  const replicaChecks = makePool('replica', settings.replicaUrl, 1, settings, `${appName}-replica-check`, logger);
  const replicaMetrics = new ReplicaMetrics();
  const monitor = new ReplicaMonitor({
    primary,
    replica: replicaChecks,
    clock: options.clock ?? systemClock,
    logger,
    metrics: replicaMetrics,
    intervalMs: settings.replicaCheckIntervalMs ?? 1_000,
  });
  const routing = new ReadRouting({ primary, replica, monitor, metrics: replicaMetrics, maxLagMs: settings.replicaMaxLagMs ?? 30_000, fallbackToPrimary: settings.replicaFallbackToPrimary ?? true });
  monitor.start();
  let ended: Promise<void> | undefined;
  return {
    primary,
    replica: routing.pool,
    hasReplica: true,
    routing,
    replicaMetrics,
    end: () => (ended ??= monitor.stop().then(() => Promise.all([primary.end(), replica.end(), replicaChecks.end()])).then(() => undefined)),
  };
}

function makePool(role: 'primary' | 'replica' | 'reads', url: string, max: number, s: PoolSettings, appName: string, logger: Logger): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: s.idleTimeoutMs,
    connectionTimeoutMillis: s.connectionTimeoutMs,
    // Sent in the startup packet, so every pooled session has it before its first query.
    statement_timeout: s.statementTimeoutMs,
    // A leaked transaction must not hold locks (and block partition DDL) for long.
    idle_in_transaction_session_timeout: Math.max(60_000, 2 * s.statementTimeoutMs),
    application_name: appName,
    // Day boundaries, date_trunc and text output are UTC for every service session.
    options: '-c TimeZone=UTC',
    keepAlive: true,
  });
  // An idle client whose connection dies (server restart, failover, network) makes the
  // pool emit 'error'; without a listener that would crash the whole process.
  pool.on('error', (err) => {
    logger.warn({ err: summarize(err), role }, 'an idle PostgreSQL connection failed; the pool dropped it and will reconnect');
  });
  // A checked-out client between queries has no listener of the pool's; keep its
  // connection errors from becoming uncaught too. Its next query fails and is mapped.
  pool.on('connect', (client) => {
    client.on('error', (err) => logger.debug({ err: summarize(err), role }, 'a checked-out PostgreSQL connection failed'));
  });
  return pool;
}

function summarize(err: unknown): Record<string, unknown> {
  const e = err as { message?: unknown; code?: unknown };
  return { message: String(e?.message ?? err), code: e?.code };
}

/** Checks a client out, mapping connection failures and pool saturation to WL_DB_UNAVAILABLE. */
export async function connectClient(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (err) {
    throw toDatabaseError(err);
  }
}

/** Runs `fn` with a pooled client, always releasing it; a broken client is discarded. */
export async function withClient<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await connectClient(pool);
  let failure: unknown;
  try {
    return await fn(client);
  } catch (err) {
    failure = toDatabaseError(err);
    throw failure;
  } finally {
    client.release(isBroken(failure) ? (failure as Error) : undefined);
  }
}

/**
 * Runs `fn` inside BEGIN/COMMIT on one client; rolls back on any error. Transient
 * failures surface as WL_DB_UNAVAILABLE, the rest unchanged.
 */
export async function withTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      // If the connection is gone the rollback fails too; the original error matters.
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

function isBroken(err: unknown): boolean {
  const reason = (err as { reason?: string } | undefined)?.reason;
  return reason === 'connection-lost' || reason === 'server-shutting-down' || reason === 'connect-failed';
}
