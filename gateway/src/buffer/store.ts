/**
 * Opens the gateway's one SQLite file: pragmas for a durable, bounded WAL buffer, then the
 * schema migrations (the buffer's and those other modules register). Everything else in
 * the gateway (registry, rules, audit, outbox, eviction, maintenance) uses `store.db`,
 * this connection, on the main thread.
 *
 * The one exception is the writer's group commit: it runs on a worker thread with its own
 * connection to the same file (commit-worker.ts), so a commit never holds the event loop.
 * WAL lets both read at once; writes take turns on SQLite's write lock (see writer.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { BufferOptionError, systemClock, type Clock } from '@wardlink/shared';
import { UnsentTally } from './backlog.js';
import { applyConnectionPragmas, type ConnectionSettings } from './connection-pragmas.js';
import { applyMigrations, bufferMigrations } from './migrations.js';
import { isCorrupt, toBufferError } from './sqlite-errors.js';
import { WalSync, walPathOf, type FileSync } from './wal-sync.js';
import { silentBufferLogger, type BufferLogger, type Durability, type Migration } from './types.js';

export interface BufferStoreOptions {
  /** The database file; its folder is created if missing. */
  path: string;
  durability?: Durability;
  /** This gateway's id, stored in `meta` and stamped on outgoing batches. */
  gatewayId?: string;
  /** Other modules' schema steps, run after the buffer's (see `Migration`). */
  extraMigrations?: readonly Migration[];
  /** How long a statement waits for another process's lock (the CLI), ms. Default 5000. */
  busyTimeoutMs?: number;
  /** WAL pages after which a commit checkpoints (SQLite's wal_autocheckpoint). Default: DEFAULT_WAL_AUTOCHECKPOINT_BYTES in pages of the file. */
  walAutocheckpointPages?: number;
  /**
   * SQLite page size of a NEW file (a power of two, 512-65536). Default: NEW_FILE_PAGE_SIZE.
   * An existing file keeps the page size it was created with.
   */
  pageSizeBytes?: number;
  /** The -wal file is cut back to this size whenever it is reset. Default 64 MiB. */
  walSizeLimitBytes?: number;
  /**
   * Page cache, KiB. Default 8192: the main connection reads the outbox's runs, batches
   * being loaded, trend queries and housekeeping's ranges; none needs the file in memory,
   * and the OS page cache holds what is hot anyway (was 16384; RSS on a 1-2 GB box).
   */
  cacheSizeKiB?: number;
  clock?: Clock;
  logger?: BufferLogger;
  /** How the WAL is fsynced before a batch leaves (wal-sync.ts keptOpenSync); tests wrap it. */
  walFile?: (walPath: string) => FileSync;
}

export interface BufferStore {
  readonly db: Database.Database;
  readonly path: string;
  readonly durability: Durability;
  readonly clock: Clock;
  readonly logger: BufferLogger;
  /** The connection's busy_timeout, restored by code that lowers it for a moment. */
  readonly busyTimeoutMs: number;
  /** The per-connection pragmas, for another connection to the same file (the commit worker). */
  readonly connection: ConnectionSettings;
  /** Unsent readings, kept current by the writer, outbox and eviction. */
  readonly tally: UnsentTally;
  /** The fsync a batch waits for before it leaves (wal-sync.ts): one per open file, so a
   * failure stays known to every uplink of this process. */
  readonly walSync: WalSync;
  /** The gateway id from `meta`, or null when none was ever given. */
  gatewayId(): string | null;
  getMeta(key: string): string | undefined;
  setMeta(key: string, value: string): void;
  close(): void;
}

const AUTO_VACUUM_INCREMENTAL = 2;

/**
 * SQLite checkpoints the WAL inside the commit that crosses this much WAL (as pages of the
 * file's size: wal_autocheckpoint counts pages). Since the
 * group commit runs on its own thread (commit-worker.ts) that spike no longer holds the
 * event loop, but it still delays the acks (PUBACK, HL7 AA) of the commit that pays it.
 * The sweep below was measured when commits ran on the main thread, with 4 KiB pages.
 * `pnpm bench buffer-commit` swept it (800k readings, 2,000-row commits, two runs): 1000
 * pages gave commit p99 24-39 ms at 164-197k readings/s, 4000 gave 62-81 ms at
 * 170-204k/s, 16000 gave 121-165 ms at 220-237k/s. The alarm path's budget wins: 1000
 * pages of 4 KiB (SQLite's own default), kept as a size so that 1 KiB pages
 * (NEW_FILE_PAGE_SIZE) do not checkpoint four times as often: every checkpoint rewrites
 * the pages the commits keep touching (page 1, the pointer map, the outbox's tables). Moving the
 * checkpoint to a worker thread was tried: under continuous writes a concurrent PASSIVE
 * checkpoint never reaches the end of the WAL, so the WAL never restarts and grows.
 */
export const DEFAULT_WAL_AUTOCHECKPOINT_BYTES = 1000 * 4096;

/**
 * The page size of a new buffer file (SQLite's default is 4096). Every commit writes each
 * page it touches into the WAL IN FULL: the records table's last, partly filled leaf, the
 * interior page above it, page 1 and the pointer-map page whenever a page is allocated,
 * and the outbox's small tables. At a ward's rate a commit adds ~2.7 KB of rows, so with
 * 4 KiB pages most of what a commit wrote was page it did not change; 1 KiB pages cut
 * that overhead by four (measured in docs/architecture.md, buffer section).
 */
export const NEW_FILE_PAGE_SIZE = 1024;

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0) throw new BufferOptionError(name, 'must be a non-negative integer', value);
  return v;
}

function hasTables(db: Database.Database): boolean {
  return (db.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'").pluck().get() as number) > 0;
}

/** page_size only takes effect before the first table (and before WAL mode); an existing file keeps its own. */
function setNewFilePageSize(db: Database.Database, pageSizeBytes: number): void {
  if (hasTables(db)) return;
  db.pragma(`page_size = ${pageSizeBytes}`);
}

/** auto_vacuum only takes effect before the first table; an older file is converted once. */
function ensureIncrementalVacuum(db: Database.Database, logger: BufferLogger): void {
  if (db.pragma('auto_vacuum', { simple: true }) === AUTO_VACUUM_INCREMENTAL) return;
  db.pragma('auto_vacuum = INCREMENTAL');
  if (hasTables(db)) {
    logger.warn({}, 'converting the database to incremental auto-vacuum (one-time VACUUM)');
    db.exec('VACUUM');
  }
}

/** The persistent settings (they need the file, before the per-connection ones); returns the file's page size. */
function applyFilePragmas(db: Database.Database, path: string, pageSizeBytes: number, busyTimeoutMs: number, logger: BufferLogger): number {
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  setNewFilePageSize(db, pageSizeBytes);
  ensureIncrementalVacuum(db, logger);
  const mode = db.pragma('journal_mode = WAL', { simple: true });
  if (mode !== 'wal') throw new BufferOptionError('path', 'must be on a filesystem that supports SQLite WAL (got journal mode ' + String(mode) + ')', path);
  return db.pragma('page_size', { simple: true }) as number;
}

export function openBufferStore(opts: BufferStoreOptions): BufferStore {
  const durability = opts.durability ?? 'normal';
  if (durability !== 'normal' && durability !== 'full') throw new BufferOptionError('durability', 'must be "normal" or "full"', durability);
  if (opts.gatewayId !== undefined && !/^[\x21-\x7e]{1,128}$/.test(opts.gatewayId)) {
    throw new BufferOptionError('gatewayId', 'must be 1-128 printable ASCII characters without spaces', opts.gatewayId);
  }
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentBufferLogger;
  const busyTimeoutMs = positiveInt('busyTimeoutMs', opts.busyTimeoutMs, 5000);
  const pageSizeBytes = opts.pageSizeBytes ?? NEW_FILE_PAGE_SIZE;
  if (!Number.isInteger(pageSizeBytes) || pageSizeBytes < 512 || pageSizeBytes > 65536 || (pageSizeBytes & (pageSizeBytes - 1)) !== 0) {
    throw new BufferOptionError('pageSizeBytes', 'must be a power of two from 512 to 65536', opts.pageSizeBytes);
  }
  const walAutocheckpointPages = opts.walAutocheckpointPages === undefined ? undefined : positiveInt('walAutocheckpointPages', opts.walAutocheckpointPages, 0);
  const walSizeLimitBytes = positiveInt('walSizeLimitBytes', opts.walSizeLimitBytes, 64 * 1024 * 1024);
  const cacheSizeKiB = positiveInt('cacheSizeKiB', opts.cacheSizeKiB, 8192);
  if (opts.path !== ':memory:') mkdirSync(dirname(opts.path), { recursive: true });

  let db: Database.Database;
  try {
    db = new Database(opts.path);
  } catch (err) {
    throw toBufferError(err, opts.path);
  }
  let connection: ConnectionSettings;
  try {
    const pageSize = applyFilePragmas(db, opts.path, pageSizeBytes, busyTimeoutMs, logger);
    connection = {
      durability,
      busyTimeoutMs,
      walAutocheckpointPages: walAutocheckpointPages ?? Math.ceil(DEFAULT_WAL_AUTOCHECKPOINT_BYTES / pageSize),
      walSizeLimitBytes,
      cacheSizeKiB,
    };
    applyConnectionPragmas(db, connection);
    applyMigrations(db, [...bufferMigrations, ...(opts.extraMigrations ?? [])], { nowMs: clock.now(), logger });
  } catch (err) {
    db.close();
    // A file that is not a database fails on its first read, in whatever step came first.
    const cause = (err as { cause?: unknown }).cause ?? err;
    if (isCorrupt(cause)) throw toBufferError(cause, opts.path);
    throw toBufferError(err, opts.path);
  }

  const getStmt = db.prepare('SELECT value FROM meta WHERE key = ?').pluck();
  const setStmt = db.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const getMeta = (key: string) => getStmt.get(key) as string | undefined;
  const setMeta = (key: string, value: string) => void setStmt.run(key, value);

  if (opts.gatewayId !== undefined) {
    const stored = getMeta('gateway_id');
    if (stored !== undefined && stored !== opts.gatewayId) {
      // Pending batches keep the id they were built with; new batches use the new one.
      logger.warn({ from: stored, to: opts.gatewayId }, 'gateway id changed; new outbox batches carry the new id');
    }
    if (stored !== opts.gatewayId) setMeta('gateway_id', opts.gatewayId);
  }

  const walPath = walPathOf(db);
  const walSync = new WalSync(walPath, opts.walFile?.(walPath));
  return {
    db,
    path: opts.path,
    durability,
    clock,
    logger,
    busyTimeoutMs,
    connection,
    tally: new UnsentTally(db),
    walSync,
    gatewayId: () => getMeta('gateway_id') ?? null,
    getMeta,
    setMeta,
    close: () => {
      walSync.close();
      if (db.open) db.close();
    },
  };
}
