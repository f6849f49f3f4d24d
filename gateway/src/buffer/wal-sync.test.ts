import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsyncFile, WalSync, type SyncFile } from './wal-sync.js';
import { tempDir, type TempDir } from './testing/fixtures.js';

let dir: TempDir;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

/** The real fsync, held until released, counting the calls. */
function heldSync(): { sync: SyncFile; calls: string[]; release: () => void; fail: (err: Error) => void } {
  const calls: string[] = [];
  let waiting: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  return {
    calls,
    sync: (path) => {
      calls.push(path);
      return new Promise<void>((resolve, reject) => waiting.push({ resolve, reject })).then(() => fsyncFile(path));
    },
    release: () => {
      for (const w of waiting) w.resolve();
      waiting = [];
    },
    fail: (err) => {
      for (const w of waiting) w.reject(err);
      waiting = [];
    },
  };
}

const settled = async (p: Promise<unknown>): Promise<boolean> => {
  let done = false;
  p.then(() => (done = true), () => (done = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('WalSync', () => {
  it('syncs once at start (batches an earlier process built), then once per commit noted, concurrent waiters sharing one fsync', async () => {
    const wal = dir.file('gw.db-wal');
    writeFileSync(wal, 'frames');
    const h = heldSync();
    const s = new WalSync(wal, h.sync);
    const first = [s.durable(), s.durable()];
    expect(await settled(Promise.all(first))).toBe(false);
    h.release();
    await Promise.all(first);
    expect(h.calls).toEqual([wal]);
    await s.durable(); // nothing new: no fsync
    expect(h.calls).toHaveLength(1);

    s.noteCommitted();
    const second = s.durable();
    // A commit noted while that fsync runs is not covered by it: its waiter needs the next one.
    s.noteCommitted();
    const third = s.durable();
    expect(h.calls).toHaveLength(2);
    h.release();
    await second;
    expect(await settled(third)).toBe(false);
    expect(h.calls).toHaveLength(3);
    h.release();
    await third;
    expect(s.syncs).toBe(3);
  });

  it('rejects when the fsync fails and tries again at the next call', async () => {
    const wal = dir.file('gw.db-wal');
    writeFileSync(wal, 'frames');
    const h = heldSync();
    const s = new WalSync(wal, h.sync);
    const p = s.durable();
    h.fail(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    await expect(p).rejects.toMatchObject({ code: 'EIO' });
    const again = s.durable();
    expect(h.calls).toHaveLength(2);
    h.release();
    await again;
    expect(s.syncs).toBe(1);
  });

  it('treats a missing WAL file as synced (its connections checkpointed and removed it); other errors reject', async () => {
    await expect(new WalSync(dir.file('none.db-wal')).durable()).resolves.toBeUndefined();
    writeFileSync(dir.file('plain'), '');
    await expect(new WalSync(dir.file('plain/x.db-wal')).durable()).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
