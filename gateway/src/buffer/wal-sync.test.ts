import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { keptOpenSync, walPathOf, WalSync, type FileSync } from './wal-sync.js';
import { tempDir, type TempDir } from './testing/fixtures.js';

let dir: TempDir;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

/** The real fsync, each call held until released or failed, counted. */
function heldFile(path: string): FileSync & { calls: number; release: () => void; fail: (err: Error) => void } {
  const real = keptOpenSync(path);
  let waiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  const held = {
    calls: 0,
    sync: () => {
      held.calls++;
      return new Promise<void>((resolve, reject) => waiting.push({ resolve, reject })).then(() => real.sync());
    },
    close: () => real.close(),
    release: () => {
      for (const w of waiting) w.resolve();
      waiting = [];
    },
    fail: (err: Error) => {
      for (const w of waiting) w.reject(err);
      waiting = [];
    },
  };
  return held;
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('WalSync', () => {
  it('syncs once at start (batches an earlier process built), then once per commit noted, concurrent waiters sharing one fsync', async () => {
    const wal = dir.file('gw.db-wal');
    writeFileSync(wal, 'frames');
    const f = heldFile(wal);
    const s = new WalSync(wal, f);
    const first = [s.durable(), s.durable()];
    expect(await settled(Promise.all(first))).toBe(false);
    f.release();
    await Promise.all(first);
    expect(f.calls).toBe(1);
    await s.durable(); // nothing new: no fsync
    expect(f.calls).toBe(1);

    s.noteCommitted();
    const second = s.durable();
    // A commit noted while that fsync runs is not covered by it: its waiter needs the next one.
    s.noteCommitted();
    const third = s.durable();
    expect(f.calls).toBe(2);
    f.release();
    await second;
    expect(await settled(third)).toBe(false);
    expect(f.calls).toBe(3);
    f.release();
    await third;
    expect(s.syncs).toBe(3);
    s.close();
  });

  it('after a failed fsync rejects every later wait with WL_BUFFER_FSYNC_FAILED and syncs no more (a later success could not be trusted)', async () => {
    const wal = dir.file('gw.db-wal');
    writeFileSync(wal, 'frames');
    const f = heldFile(wal);
    const s = new WalSync(wal, f);
    const p = s.durable();
    f.fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await expect(p).rejects.toMatchObject({ code: 'WL_BUFFER_FSYNC_FAILED' });
    s.noteCommitted();
    await expect(s.durable()).rejects.toMatchObject({ code: 'WL_BUFFER_FSYNC_FAILED', message: expect.stringMatching(/EIO.*restarted/) });
    expect(f.calls).toBe(1);
    expect(s.failed?.code).toBe('WL_BUFFER_FSYNC_FAILED');
    s.close();
  });

  it('a WAL file that is not there is a failure, not "nothing to sync"', async () => {
    const s = new WalSync(dir.file('none.db-wal'));
    await expect(s.durable()).rejects.toMatchObject({ code: 'WL_BUFFER_FSYNC_FAILED', message: expect.stringMatching(/ENOENT/) });
    s.close();
  });

  it('takes the WAL path SQLite uses: a database reached through a symlink has its WAL beside the target', async () => {
    mkdirSync(dir.file('card'));
    const db = new Database(dir.file('card/gw.db'));
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    symlinkSync(dir.file('card/gw.db'), dir.file('gw.db'));
    const viaLink = new Database(dir.file('gw.db'));
    try {
      viaLink.prepare('INSERT INTO t VALUES (2)').run();
      expect(walPathOf(viaLink)).toBe(dir.file('card/gw.db-wal'));
      const s = new WalSync(walPathOf(viaLink));
      await expect(s.durable()).resolves.toBeUndefined();
      s.close();
    } finally {
      viaLink.close();
      db.close();
    }
  });
});
