/**
 * Real PostgreSQL for tests, one throwaway database per test file.
 *
 * - DATABASE_URL set (CI: PostgreSQL 15, trust auth): databases are created on that
 *   server.
 * - Not set: ONE embedded PostgreSQL per test worker process, started lazily on first
 *   use (~1 s: initdb without fsync, then start), shared by every test file the worker
 *   runs, and stopped (its directory removed) when the worker exits.
 *
 * - WARDLINK_TEST_CITUS=1: ONE Citus cluster per test worker process (a coordinator and
 *   two workers, citus-cluster.ts), whatever DATABASE_URL says; each database is created
 *   on every node with the citus extension, and migrate() distributes the schema. If
 *   Citus cannot run, this throws instead of testing plain PostgreSQL.
 *
 * In a test file:
 *   const db = useTestDatabase();            // migrated schema; { migrate: false } for none
 *   it('...', async () => { await db.pool.query(...) });
 * or `await createTestDatabase()` for a database of your own (drop() it afterwards).
 */
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { startCluster, type RunningCluster } from '../storage/embedded-cluster.js';
import { freePort, isAlive } from '../storage/embedded-support.js';
import { migrate } from '../storage/migrator.js';
import { citusCluster, citusSwitchOn, createCitusDatabase, dropCitusDatabase } from './citus-cluster.js';
import { silentLogger } from './logger.js';

export interface TestDatabase {
  readonly name: string;
  /** Connection string of this database (no password on CI; a test one when embedded). */
  readonly connectionString: string;
  /** A small pool on this database (max 5 unless asked); ended by drop(). */
  readonly pool: pg.Pool;
  /** Ends the pool and drops the database, terminating any connection still open. */
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /** Apply every schema migration first; default true. */
  migrate?: boolean;
  poolMax?: number;
}

const CLUSTER_PREFIX = 'wardlink-test-pg-';
const TEST_PASSWORD = 'wardlink-test';
// Every daily partition is shard_count shard tables per partitioned table; 4 (two per
// worker) keeps the days a test creates quick. Only used under WARDLINK_TEST_CITUS.
const TEST_CITUS_SHARD_COUNT = 4;

// Kept on globalThis: even if a worker re-evaluates this module for another test file,
// it finds the cluster already running instead of starting (and leaking) a second one.
interface HarnessState {
  server?: Promise<{ adminUrl: string; cluster?: RunningCluster; dir?: string }>;
}
const state: HarnessState = ((globalThis as Record<symbol, unknown>)[Symbol.for('wardlink.testing.pg')] ??= {}) as HarnessState;

/** Admin connection string of the test server (DATABASE_URL, or the worker's embedded one). */
export async function testServerUrl(): Promise<string> {
  if (citusSwitchOn()) {
    const cluster = await citusCluster();
    return cluster.urlOf(cluster.coordinatorPort);
  }
  const external = process.env.DATABASE_URL?.trim();
  if (external) return external;
  state.server ??= startWorkerCluster();
  return (await state.server).adminUrl;
}

async function startWorkerCluster(): Promise<{ adminUrl: string; cluster: RunningCluster; dir: string }> {
  await sweepStaleClusters();
  // The pid in the name lets a later run clean up after a worker that was SIGKILLed.
  const dir = await mkdtemp(join(tmpdir(), `${CLUSTER_PREFIX}${process.pid}-`));
  const port = await freePort();
  const cluster = await startCluster({ dir, port, user: 'postgres', password: TEST_PASSWORD, persistent: false, fast: true, logger: silentLogger });
  installCleanup(cluster, dir);
  return { adminUrl: `postgres://postgres:${TEST_PASSWORD}@127.0.0.1:${port}/postgres`, cluster, dir };
}

function installCleanup(cluster: RunningCluster, dir: string): void {
  // vitest ends a worker with SIGTERM; stop the cluster (and remove its directory) first.
  const onSignal = (signal: NodeJS.Signals) => {
    const force = setTimeout(() => process.exit(1), 5_000);
    force.unref();
    void cluster.stop().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  // A plain exit cannot wait: the postmaster gets its shutdown signal from the library's
  // exit hook, and a detached shell removes the directory once it is gone.
  process.once('exit', () => {
    if (cluster.pid === undefined || !isAlive(cluster.pid)) return;
    const script = `while kill -0 ${cluster.pid} 2>/dev/null; do sleep 0.1; done; rm -rf '${dir}'`;
    spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' }).unref();
  });
}

/** Removes clusters of earlier test workers that died without cleaning up. */
async function sweepStaleClusters(): Promise<void> {
  const entries = await readdir(tmpdir()).catch(() => [] as string[]);
  for (const entry of entries) {
    const owner = new RegExp(`^${CLUSTER_PREFIX}(\\d+)-`).exec(entry);
    if (!owner || isAlive(Number(owner[1]))) continue;
    const dir = join(tmpdir(), entry);
    const pid = Number((await readFile(join(dir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
    if (pid > 0 && isAlive(pid)) {
      process.kill(pid, 'SIGQUIT');
      for (let i = 0; i < 40 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    }
    await rm(dir, { recursive: true, force: true });
  }
}

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: await testServerUrl() });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const name = `wl_test_${randomBytes(6).toString('hex')}`;
  if (citusSwitchOn()) return openTestDatabase(name, await createCitusDatabase(await citusCluster(), name), options);
  await admin(async (c) => {
    // Two workers copying template1 at the same instant can collide (55006); retry.
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(`CREATE DATABASE ${name}`);
        return;
      } catch (err) {
        if ((err as { code?: string }).code !== '55006' || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  });
  return openTestDatabase(name, withDatabase(await testServerUrl(), name), options);
}

async function openTestDatabase(name: string, connectionString: string, options: TestDatabaseOptions): Promise<TestDatabase> {
  const pool = new pg.Pool({ connectionString, max: options.poolMax ?? 5 });
  pool.on('error', () => undefined); // tests terminate backends on purpose
  if (options.migrate ?? true) await migrate(pool, { logger: silentLogger, citusShardCount: TEST_CITUS_SHARD_COUNT });
  let dropped: Promise<void> | undefined;
  return {
    name,
    connectionString,
    pool,
    drop: () =>
      (dropped ??= (async () => {
        await pool.end().catch(() => undefined);
        if (citusSwitchOn()) await dropCitusDatabase(await citusCluster(), name);
        else await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      })()),
  };
}

/**
 * Registers beforeAll/afterAll hooks that create one database for the test file and
 * drop it afterwards. Read `pool` / `connectionString` inside tests, not at import.
 */
export function useTestDatabase(options: TestDatabaseOptions = {}): TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase(options);
  });
  afterAll(async () => {
    await db?.drop();
  });
  const current = (): TestDatabase => {
    if (!db) throw new Error('the test database is created in beforeAll; use it inside a test or hook');
    return db;
  };
  return {
    get name() {
      return current().name;
    },
    get connectionString() {
      return current().connectionString;
    },
    get pool() {
      return current().pool;
    },
    drop: () => current().drop(),
  };
}
