import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresError } from '@wardlink/shared';
import { redactUrl } from '../config/redact.js';
import { createTestLogger } from '../testing/logger.js';
import { isAlive, isRoot } from './embedded-support.js';
import { startEmbeddedPostgres, type EmbeddedPostgresHandle } from './embedded.js';

// One data folder for the whole file: later tests restart the cluster the first one
// initialised, as `serve` does across restarts.
const base = mkdtempSync(join(tmpdir(), 'wl-embedded-'));
chmodSync(base, 0o755); // the "postgres" system user must reach the data folder
const dataDir = join(base, 'data');
const running: EmbeddedPostgresHandle[] = [];

afterAll(async () => {
  for (const h of running) await h.stop().catch(() => undefined);
  rmSync(base, { recursive: true, force: true });
});

async function start(logger = createTestLogger().logger): Promise<EmbeddedPostgresHandle> {
  const handle = await startEmbeddedPostgres({ dataDir, logger });
  running.push(handle);
  return handle;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

function postmasterPid(h: EmbeddedPostgresHandle): number {
  return Number(readFileSync(join(h.pgDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
}

async function waitUntilDead(pid: number): Promise<void> {
  for (let i = 0; i < 200 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 25));
  expect(isAlive(pid)).toBe(false);
}

describe('startEmbeddedPostgres', () => {
  it('initialises a cluster once, creates the wardlink database, and keeps data across a restart', async () => {
    const log = createTestLogger();
    const first = await start(log.logger);
    expect(first.pgDir).toBe(join(dataDir, 'pg'));
    expect(new URL(first.connectionString).pathname).toBe('/wardlink');
    expect(statSync(join(dataDir, 'pg-password')).mode & 0o777).toBe(0o600);
    await query(first.connectionString, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('before restart')");
    await first.stop();
    await first.stop(); // idempotent

    const second = await start();
    expect(second.connectionString.split('@')[0]).toBe(first.connectionString.split('@')[0]); // same credentials
    const rows = await query<{ v: string; db: string }>(second.connectionString, 'SELECT v, current_database() AS db FROM kept');
    expect(rows).toEqual([{ v: 'before restart', db: 'wardlink' }]);
    expect(log.text()).not.toContain(new URL(first.connectionString).password);
    expect(redactUrl(second.connectionString)).not.toContain(new URL(second.connectionString).password);
    await second.stop();
  });

  it('recovers after the server was killed (stale postmaster.pid), committed data intact', async () => {
    const h = await start();
    await query(h.connectionString, "INSERT INTO kept VALUES ('before kill')");
    const pid = postmasterPid(h);
    process.kill(pid, 'SIGKILL');
    await waitUntilDead(pid);
    await h.stop(); // must not hang on a server that is already gone
    await new Promise((r) => setTimeout(r, 300)); // let orphaned backends notice and exit

    const log = createTestLogger();
    const again = await start(log.logger);
    const rows = await query<{ v: string }>(again.connectionString, 'SELECT v FROM kept ORDER BY v');
    expect(rows.map((r) => r.v)).toEqual(['before kill', 'before restart']);
    expect(log.text()).toMatch(/did not stop cleanly/);
    await again.stop();
  });

  it('shuts down a server an earlier run left running on the same folder, then starts', async () => {
    const orphan = await start(); // as if our process had been SIGKILLed: never stopped
    const orphanPid = postmasterPid(orphan);
    const log = createTestLogger();
    const next = await start(log.logger);
    expect(isAlive(orphanPid)).toBe(false);
    expect(postmasterPid(next)).not.toBe(orphanPid);
    expect(await query(next.connectionString, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 2 }]);
    expect(log.text()).toMatch(/left running by an earlier run/);
    await orphan.stop();
    await next.stop();
  });

  it('ignores a postmaster.pid whose pid now belongs to an unrelated process', async () => {
    // PostgreSQL itself refuses to start when the pid is alive and owned by its user.
    const ids = isRoot() ? { uid: Number(execFileSync('id', ['-u', 'postgres'])), gid: Number(execFileSync('id', ['-g', 'postgres'])) } : {};
    const impostor = spawn('sleep', ['30'], { ...ids, stdio: 'ignore' });
    try {
      writeFileSync(join(dataDir, 'pg', 'postmaster.pid'), `${impostor.pid}\n${join(dataDir, 'pg')}\n`);
      const h = await start();
      expect(await query(h.connectionString, 'SELECT count(*)::int AS n FROM kept')).toEqual([{ n: 2 }]);
      await h.stop();
    } finally {
      impostor.kill('SIGKILL');
    }
  });

  it.runIf(isRoot())('explains when the postgres system user cannot reach the data folder', async () => {
    const hidden = join(base, 'private');
    mkdirSync(hidden, { mode: 0o700 });
    const err = await startEmbeddedPostgres({ dataDir: join(hidden, 'data'), logger: createTestLogger().logger }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EmbeddedPostgresError);
    expect((err as EmbeddedPostgresError).code).toBe('WL_EMBEDDED_PG_FAILED');
    expect((err as Error).message).toContain(hidden);
  });
});
