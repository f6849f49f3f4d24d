/**
 * A real streaming replica for the tests: a throwaway primary cluster (initdb of the
 * machine's PostgreSQL 15, in a temporary folder) and a standby made from it with
 * `pg_basebackup -R` (so it streams WAL from the primary and answers read-only
 * queries), each on a free port of 127.0.0.1.
 *
 * Why an own primary: the machine's server at 127.0.0.1:5432 allows no replication
 * connections in its pg_hba.conf; initdb --auth=trust allows them from loopback.
 *
 * As in citus-cluster.ts: PostgreSQL refuses to run as root, so when we are root every
 * folder belongs to the "postgres" user and the server programs run through `su`.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { appendFile, chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isAlive, isRoot } from '../storage/embedded-support.js';
import { asPostgres, onServer, run } from './pg-server.js';

const BINDIR = '/usr/lib/postgresql/15/bin';
const DIR_PREFIX = 'wardlink-test-replica-';

export interface StreamingReplica {
  readonly primaryPort: number;
  readonly replicaPort: number;
  primaryUrl(database?: string): string;
  replicaUrl(database?: string): string;
  /** Stops the standby at once (pg_ctl -m immediate): a crash, for the clients. */
  stopReplica(): Promise<void>;
  startReplica(): Promise<void>;
  /** pg_wal_replay_pause() / resume() on the standby: lag on demand. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Waits until the standby has replayed everything the primary wrote so far. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** Stops both servers and removes the folder. Idempotent. */
  stop(): Promise<void>;
}

// Small and throwaway (the machine has 2 shared cores), but with what replication needs.
const PRIMARY_CONF = `
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
fsync = off
synchronous_commit = off
full_page_writes = off
shared_buffers = 32MB
max_connections = 60
`;

export async function startStreamingReplica(): Promise<StreamingReplica> {
  if (!existsSync(join(BINDIR, 'pg_basebackup'))) throw new Error(`PostgreSQL 15's pg_basebackup is not in ${BINDIR}`);
  await sweepStale();
  const dir = await mkdtemp(join(tmpdir(), `${DIR_PREFIX}${process.pid}-`));
  await chmod(dir, 0o755);
  if (isRoot()) await run('chown', ['postgres', dir]);
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  const primaryDir = join(dir, 'primary');
  const replicaDir = join(dir, 'replica');
  const url = (port: number, database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const pgCtl = (nodeDir: string, port: number, action: 'start' | 'stop') =>
    action === 'start'
      ? asPostgres(BINDIR, 'pg_ctl', ['-D', nodeDir, '-o', `-p ${port} -k ${nodeDir}`, '-l', `${nodeDir}.log`, '-w', '-t', '60', 'start'])
      : asPostgres(BINDIR, 'pg_ctl', ['-D', nodeDir, '-m', 'immediate', '-w', 'stop']);
  const cleanupOnExit = () => {
    const stops = [primaryDir, replicaDir].map((d) => `'${join(BINDIR, 'pg_ctl')}' -D '${d}' -m immediate -w stop >/dev/null 2>&1;`).join(' ');
    spawn('sh', ['-c', `${isRoot() ? `su postgres -s /bin/sh -c "${stops}"` : stops} rm -rf '${dir}'`], { detached: true, stdio: 'ignore' }).unref();
  };
  process.once('exit', cleanupOnExit);
  try {
    await asPostgres(BINDIR, 'initdb', ['-D', primaryDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    await appendFile(join(primaryDir, 'postgresql.conf'), PRIMARY_CONF);
    await pgCtl(primaryDir, primaryPort, 'start');
    // -R writes standby.signal and primary_conninfo: the copy starts as a streaming standby.
    await asPostgres(BINDIR, 'pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream', '--checkpoint=fast', '--no-sync']);
    await pgCtl(replicaDir, replicaPort, 'start');
  } catch (err) {
    const logs = await Promise.all([primaryDir, replicaDir].map((d) => readFile(`${d}.log`, 'utf8').catch(() => '')));
    await stopAll();
    throw new Error(`the streaming replica could not start: ${(err as Error).message}\n${logs.join('\n').slice(-3000)}`, { cause: err });
  }
  let stopped: Promise<void> | undefined;
  async function stopAll(): Promise<void> {
    for (const d of [replicaDir, primaryDir]) if (existsSync(join(d, 'postmaster.pid'))) await pgCtl(d, 0, 'stop').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    process.removeListener('exit', cleanupOnExit);
  }
  const pair: StreamingReplica = {
    primaryPort,
    replicaPort,
    primaryUrl: (database) => url(primaryPort, database),
    replicaUrl: (database) => url(replicaPort, database),
    stopReplica: () => pgCtl(replicaDir, replicaPort, 'stop'),
    startReplica: () => pgCtl(replicaDir, replicaPort, 'start'),
    pauseReplay: () => onServer(url(replicaPort), (c) => c.query('SELECT pg_wal_replay_pause()')).then(() => undefined),
    resumeReplay: () => onServer(url(replicaPort), (c) => c.query('SELECT pg_wal_replay_resume()')).then(() => undefined),
    caughtUp: async (timeoutMs = 20_000) => {
      // The INSERT position, not pg_current_wal_lsn() (the write position): with
      // synchronous_commit = off a commit record can be inserted and not yet written, so
      // waiting for the write position could end before the last commit is replayed.
      const target = await onServer(url(primaryPort), (c) => c.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn')).then((r) => r.rows[0]!.lsn);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const done = await onServer(url(replicaPort), (c) => c.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [target])).then((r) => r.rows[0]!.ok);
        if (done) return;
        if (Date.now() > deadline) throw new Error(`the standby did not replay up to ${target} within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop: () => (stopped ??= stopAll()),
  };
  return pair;
}

/** Removes pairs of earlier test workers that died without cleaning up. */
async function sweepStale(): Promise<void> {
  for (const entry of await readdir(tmpdir()).catch(() => [] as string[])) {
    const owner = new RegExp(`^${DIR_PREFIX}(\\d+)-`).exec(entry);
    if (!owner || isAlive(Number(owner[1]))) continue;
    const dir = join(tmpdir(), entry);
    for (const node of ['replica', 'primary']) {
      if (existsSync(join(dir, node, 'postmaster.pid'))) await asPostgres(BINDIR, 'pg_ctl', ['-D', join(dir, node), '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
    await rm(dir, { recursive: true, force: true });
  }
}
