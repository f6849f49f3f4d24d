import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ConfigError, DatabaseUnavailableError } from '@wardlink/shared';
import { createTestLogger, silentLogger } from '../testing/logger.js';
import { useTestDatabase } from '../testing/pg.js';
import { toDatabaseError } from './db-errors.js';
import { freePort } from './embedded-support.js';
import { connectClient, createPools, withClient, withTransaction, type PoolSettings } from './pool.js';

const db = useTestDatabase({ migrate: false });

function settings(overrides: Partial<PoolSettings> = {}): PoolSettings {
  return {
    url: db.connectionString,
    replicaUrl: undefined,
    poolMax: 3,
    replicaPoolMax: 2,
    statementTimeoutMs: 1_500,
    idleTimeoutMs: 10_000,
    connectionTimeoutMs: 2_000,
    ...overrides,
  };
}

async function unavailable(promise: Promise<unknown>): Promise<DatabaseUnavailableError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatabaseUnavailableError);
  expect((err as DatabaseUnavailableError).code).toBe('WL_DB_UNAVAILABLE');
  return err as DatabaseUnavailableError;
}

async function terminate(applicationName: string): Promise<number> {
  const res = await db.pool.query('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()', [
    applicationName,
  ]);
  return res.rows[0].n;
}

async function waitFor(check: () => boolean, ms = 3_000): Promise<void> {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > ms) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('createPools', () => {
  it('sizes the pool and sets statement_timeout and UTC on every connection from config', async () => {
    const pools = createPools(settings(), silentLogger);
    try {
      expect(pools.primary.options.max).toBe(3);
      const res = await pools.primary.query<{ st: string; tz: string; app: string }>(
        "SELECT current_setting('statement_timeout') AS st, current_setting('TimeZone') AS tz, current_setting('application_name') AS app",
      );
      expect(res.rows[0]).toEqual({ st: '1500ms', tz: 'UTC', app: 'wardlink-cloud' });
    } finally {
      await pools.end();
    }
  });

  it('reads from a pool of their own: on the primary without a replica, on the replica with one', async () => {
    const single = createPools(settings({ readPoolMax: 1 }), silentLogger);
    expect(single.replica).not.toBe(single.primary);
    expect(single.hasReplica).toBe(false);
    expect(single.replica.options.max).toBe(1);
    // Ingest holding every primary connection does not keep a read waiting.
    const held = await Promise.all(Array.from({ length: 3 }, () => single.primary.connect()));
    try {
      const read = await single.replica.query<{ app: string }>("SELECT current_setting('application_name') AS app");
      expect(read.rows[0]!.app).toBe('wardlink-cloud-read');
      expect(single.primary.waitingCount).toBe(0);
    } finally {
      for (const c of held) c.release();
    }
    await single.end();
    await single.end(); // idempotent

    const both = createPools(settings({ replicaUrl: db.connectionString }), silentLogger);
    try {
      expect(both.hasReplica).toBe(true);
      expect(both.replica.options.max).toBe(2);
      const app = await both.replica.query<{ app: string }>("SELECT current_setting('application_name') AS app");
      expect(app.rows[0]!.app).toBe('wardlink-cloud-read');
    } finally {
      await both.end();
    }
  });

  it('refuses to build a pool without a URL', () => {
    expect(() => createPools(settings({ url: undefined }), silentLogger)).toThrow(ConfigError);
  });
});

describe('failures become WL_DB_UNAVAILABLE (503 + Retry-After), never a crash', () => {
  it('a statement over statement_timeout', async () => {
    const pools = createPools(settings({ statementTimeoutMs: 200 }), silentLogger);
    try {
      const err = await unavailable(withClient(pools.primary, (c) => c.query('SELECT pg_sleep(2)')));
      expect(err.reason).toBe('statement-timeout');
      expect(err.retryAfterS).toBeGreaterThan(0);
    } finally {
      await pools.end();
    }
  });

  it('a saturated pool answers within connectionTimeoutMs instead of queueing forever', async () => {
    const pools = createPools(settings({ poolMax: 1, connectionTimeoutMs: 200 }), silentLogger);
    const held = await connectClient(pools.primary);
    try {
      const started = performance.now();
      const err = await unavailable(connectClient(pools.primary));
      expect(err.reason).toBe('pool-saturated');
      expect(performance.now() - started).toBeLessThan(1_500);
    } finally {
      held.release();
      await pools.end();
    }
  });

  it('an unreachable server', async () => {
    const pools = createPools(settings({ url: `postgres://postgres@127.0.0.1:${await freePort()}/none` }), silentLogger);
    try {
      expect((await unavailable(withTransaction(pools.primary, async () => 1))).reason).toBe('connect-failed');
    } finally {
      await pools.end();
    }
  });

  it('an idle connection killed by the server is logged and replaced', async () => {
    const log = createTestLogger();
    const pools = createPools(settings(), log.logger, { applicationName: 'wl-idle-kill' });
    try {
      await pools.primary.query('SELECT 1'); // leaves one idle client
      expect(await terminate('wl-idle-kill')).toBe(1);
      await waitFor(() => log.entries().some((e) => e.level === 40 && /idle PostgreSQL connection failed/.test(String(e.msg))));
      const again = await pools.primary.query<{ one: number }>('SELECT 1 AS one');
      expect(again.rows[0]!.one).toBe(1);
      expect(log.text()).not.toContain('wardlink-test'); // no password in the log
    } finally {
      await pools.end();
    }
  });

  it('a checked-out connection killed between queries fails its next query, and the pool recovers', async () => {
    const pools = createPools(settings(), silentLogger, { applicationName: 'wl-busy-kill' });
    try {
      const err = await unavailable(
        withClient(pools.primary, async (client) => {
          await client.query('SELECT 1');
          await terminate('wl-busy-kill');
          await new Promise((r) => setTimeout(r, 100)); // the error arrives while idle
          return client.query('SELECT 1');
        }),
      );
      expect(['connection-lost', 'server-shutting-down']).toContain(err.reason);
      const ok = await withTransaction(pools.primary, (c) => c.query('SELECT 2 AS two'));
      expect(ok.rows[0].two).toBe(2);
    } finally {
      await pools.end();
    }
  });
});

describe('toDatabaseError', () => {
  it.each([
    [{ code: '57P01' }, 'server-shutting-down'],
    [{ code: '57P03' }, 'server-shutting-down'],
    [{ code: '53300' }, 'too-many-connections'],
    [{ code: '53100' }, 'out-of-resources'],
    [{ code: '08006' }, 'connection-lost'],
    [{ code: '40P01' }, 'serialization-conflict'],
    [{ code: '55P03' }, 'lock-timeout'],
    [{ code: 'ECONNREFUSED' }, 'connect-failed'],
    [new Error('Connection terminated unexpectedly'), 'connection-lost'],
    [new Error('timeout exceeded when trying to connect'), 'pool-saturated'],
    [new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), 'connect-failed'],
  ])('%o is transient: %s', (raw, reason) => {
    const mapped = toDatabaseError(raw);
    expect(mapped).toBeInstanceOf(DatabaseUnavailableError);
    expect((mapped as DatabaseUnavailableError).reason).toBe(reason);
  });

  it('leaves real errors (constraint violations, bad SQL) unchanged', async () => {
    const err = await db.pool.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(toDatabaseError(err)).toBe(err);
    const dup = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(toDatabaseError(dup)).toBe(dup);
  });

  it('is what pg itself throws for a refused connection', async () => {
    const client = new pg.Client({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/x` });
    const err = await client.connect().catch((e: unknown) => e);
    expect((toDatabaseError(err) as DatabaseUnavailableError).reason).toBe('connect-failed');
  });
});
