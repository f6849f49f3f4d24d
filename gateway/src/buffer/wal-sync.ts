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
 * One fsync serves every commit before it started: batches built while one runs wait for
 * the next. A process starts "unsynced", so that pending batches an earlier process built
 * are synced before this one sends them.
 */
import { open } from 'node:fs/promises';

/** fsync of a file's data; a file that does not exist has nothing to sync. */
export type SyncFile = (path: string) => Promise<void>;

export const fsyncFile: SyncFile = async (path) => {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    // No WAL file: its last connection checkpointed it into the database and removed it.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
};

export class WalSync {
  /** Counts the commits that must be durable; the first (1) stands for an earlier process's. */
  private committed = 1;
  private synced = 0;
  private running: { covers: number; done: Promise<void> } | null = null;
  /** fsyncs done (for tests and the metrics of whoever asks). */
  syncs = 0;

  constructor(
    readonly walPath: string,
    private readonly syncFile: SyncFile = fsyncFile,
  ) {}

  /** A transaction that must be durable before what it wrote is sent has committed. */
  noteCommitted(): void {
    this.committed++;
  }

  /** Resolves once every transaction noted so far is on disk; rejects if the fsync fails. */
  async durable(): Promise<void> {
    const wanted = this.committed;
    while (this.synced < wanted) {
      // A sync started after the commit covers it; one started before it may not.
      if (this.running !== null && this.running.covers >= wanted) return this.running.done;
      if (this.running !== null) {
        await this.running.done.catch(() => undefined);
        continue;
      }
      const covers = this.committed;
      const done = this.syncFile(this.walPath).then(() => {
        this.syncs++;
        this.synced = Math.max(this.synced, covers);
      });
      const running = { covers, done };
      this.running = running;
      void done.catch(() => undefined).finally(() => {
        if (this.running === running) this.running = null;
      });
      return done;
    }
  }
}
