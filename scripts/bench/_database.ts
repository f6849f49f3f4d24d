/**
 * The PostgreSQL a cloud bench runs on: a fresh database on DATABASE_URL when it is set
 * (dropped afterwards), else an embedded cluster with its durable default settings in a
 * temporary folder (removed afterwards).
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@wardlink/cloud';
import type { BenchOptions } from './run.js';

export const quietLogger = { debug: () => undefined, info: () => undefined, warn: console.warn, error: console.error };

export interface BenchDatabase {
  url: string;
  /** The embedded cluster's folder (for per-process CPU), when embedded. */
  pgDir?: string;
  done(): Promise<void>;
}

export async function benchDatabase(log: BenchOptions['log'], tempPrefix: string): Promise<BenchDatabase> {
  const external = process.env.DATABASE_URL?.trim();
  if (external) {
    const name = `wl_bench_${randomBytes(4).toString('hex')}`;
    const admin = async (sql: string) => {
      const c = new pg.Client({ connectionString: external });
      await c.connect();
      await c.query(sql).finally(() => c.end());
    };
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(external);
    url.pathname = `/${name}`;
    log(`database: ${name} on DATABASE_URL`);
    return { url: url.toString(), done: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
  }
  const dir = mkdtempSync(join(tmpdir(), tempPrefix));
  chmodSync(dir, 0o755); // the "postgres" system user must reach the folder when run as root
  const handle = await startEmbeddedPostgres({ dataDir: dir, logger: quietLogger });
  log('database: embedded PostgreSQL (fsync on)');
  return { url: handle.connectionString, pgDir: handle.pgDir, done: async () => (await handle.stop(), rmSync(dir, { recursive: true, force: true })) };
}
