/**
 * Makes the outbox's batch transactions durable without holding the event loop.
 *
 * A batch's seq and content must reach the disk before the cloud can see them: a power cut
 * that rolled back a batch the cloud holds would give its seq, or its readings, to another
 * batch (outbox.ts). The outbox used to commit those transactions with
 * `synchronous = FULL`, an fsync of the WAL inside COMMIT on the main thread: ~5 ms a batch
 * on this machine's disk, tens of ms on an SD card or eMMC, during which no reading was
 * acknowledged and no alarm evaluated. Now they commit as every other transaction does
 * (NORMAL: the WAL frames written, not synced), and the uplink awaits `durable()` before it
 * sends: an fsync of the WAL file on libuv's thread pool, which makes every frame written
 * before it durable, as FULL's own fsync would have. Frames already checkpointed are
 * durable anyway: in NORMAL mode SQLite syncs the WAL before a checkpoint and the
 * database file after it, before the WAL is reused.
 *
 * - The WAL's path is SQLite's own (`walPathOf`): a database path through a symlink names
 *   its WAL beside the link's target, not beside the link.
 * - The file is opened once and kept open: Linux reports a failed writeback once to each
 *   open file description, so a descriptor opened after the failure (or one SQLite's
 *   checkpoint consumed the error on) would see a later fsync succeed over pages the
 *   kernel has dropped. The first sync also syncs the directory (the WAL is created anew
 *   at every start).
 * - A failed fsync is final for the process: what reached the disk is unknown, so no
 *   batch leaves until the daemon is restarted and SQLite recovers the WAL from the disk
 *   (PostgreSQL stops for the same reason). The uplink reports itself down meanwhile.
 *
 * - It belongs to the buffer store (`store.walSync`), not to an uplink: a reload makes a new
 *   uplink in the same process, which must not trust a new descriptor either.
 *
 * One fsync serves every commit before it started: batches built while one runs wait for
 * the next. A process starts "unsynced", so that pending batches an earlier process built
 * are synced before this one sends them.
 */
import { closeSync, fsync as fsyncCallback, open as openCallback } from 'node:fs';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import type Database from 'better-sqlite3';
import { WardlinkError } from '@wardlink/shared';

/** fsync of a file's data (its first call: also of its directory). */
export interface FileSync {
  sync(): Promise<void>;
  /** Synchronous: the store closes it with its database. */
  close(): void;
}

/** The buffer's fsync failed: nothing more leaves until a restart. */
export class WalSyncError extends WardlinkError {
  constructor(path: string, options: { cause: unknown }) {
    const why = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super('WL_BUFFER_FSYNC_FAILED', `the buffer's write-ahead log could not be synced to disk (${why}): batches stay buffered and are not sent until the gateway is restarted; check the disk`, { path }, options);
  }
}

/** The database has no file of its own (an in-memory one), hence no WAL to sync. */
export class NoWalFileError extends WardlinkError {
  constructor() {
    super('WL_BUFFER_NO_WAL_FILE', 'the buffer has no database file (an in-memory database has no WAL)', {});
  }
}

/** The WAL file of the database `db` has open, as SQLite names it. */
export function walPathOf(db: Database.Database): string {
  const main = (db.pragma('database_list') as Array<{ name: string; file: string }>).find((d) => d.name === 'main');
  if (main === undefined || main.file === '') throw new NoWalFileError();
  return `${main.file}-wal`;
}

const openAsync = promisify(openCallback);
const fsyncAsync = promisify(fsyncCallback);

/** The real one: the file opened at the first sync and kept open, its directory synced then. */
export function keptOpenSync(path: string): FileSync {
  let fd: Promise<number> | null = null;
  let opened: number | null = null;
  let closed = false;
  return {
    async sync() {
      if (fd === null) {
        fd = openAsync(path, 'r').then((n) => {
          if (closed) {
            closeSync(n);
            throw new Error('the buffer was closed');
          }
          opened = n;
          return n;
        });
        fd.catch(() => undefined);
        const dir = await openAsync(dirname(path), 'r');
        try {
          await fsyncAsync(dir);
        } finally {
          closeSync(dir);
        }
      }
      await fsyncAsync(await fd);
    },
    close() {
      closed = true;
      if (opened !== null) closeSync(opened);
      opened = null;
    },
  };
}

export class WalSync {
  /** Counts the commits that must be durable; the first (1) stands for an earlier process's. */
  private committed = 1;
  private synced = 0;
  private running: { covers: number; done: Promise<void> } | null = null;
  private failure: WalSyncError | null = null;
  private readonly file: FileSync;
  /** fsyncs done (for tests and whoever counts). */
  syncs = 0;

  constructor(
    readonly walPath: string,
    file?: FileSync,
  ) {
    this.file = file ?? keptOpenSync(walPath);
  }

  /** The fsync failed once: every later durable() rejects with this. */
  get failed(): WalSyncError | null {
    return this.failure;
  }

  /** A transaction that must be durable before what it wrote is sent has committed. */
  noteCommitted(): void {
    this.committed++;
  }

  /** Resolves once every transaction noted so far is on disk; rejects (for good) if an fsync fails. */
  async durable(): Promise<void> {
    const wanted = this.committed;
    while (this.synced < wanted) {
      if (this.failure !== null) throw this.failure;
      // A sync that started after the commit covers it; one started before it may not.
      if (this.running !== null && this.running.covers >= wanted) return this.running.done;
      if (this.running !== null) {
        await this.running.done.catch(() => undefined);
        continue;
      }
      const covers = this.committed;
      const done = this.file.sync().then(
        () => {
          this.syncs++;
          this.synced = Math.max(this.synced, covers);
        },
        (err: unknown) => {
          this.failure ??= new WalSyncError(this.walPath, { cause: err });
          throw this.failure;
        },
      );
      const running = { covers, done };
      this.running = running;
      void done.catch(() => undefined).finally(() => {
        if (this.running === running) this.running = null;
      });
      return done;
    }
  }

  /** With the store's database: a sync under way then fails, which no longer matters. */
  close(): void {
    this.file.close();
  }
}
