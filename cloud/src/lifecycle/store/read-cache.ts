/**
 * A bounded local cache of archived objects read from a remote store, so the history of
 * an archived day does not download the same Parquet file for every request.
 *
 * - Entries are named by their sha256 (the manifest's): an object exported again under
 *   the same key has another hash, so a stale copy is never answered.
 * - A download is checked against that sha256 before it becomes an entry.
 * - Each reader gets its own hard link to the entry (`copyOf` returns a path the caller
 *   deletes, as it deletes a plain temporary download). Evicting an entry unlinks only
 *   the cache's name: a file DuckDB is reading stays readable until its reader is done.
 * - After each download the least recently used entries are removed until the entries
 *   total at most `maxBytes` (an entry in use still counts until its readers delete
 *   their links, so the disk used is at most maxBytes plus the files being read).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { link, mkdir, readdir, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const SHA256 = /^[0-9a-f]{64}$/;

export class ArchiveReadCache {
  private readonly entries: string;
  private readonly links: string;
  private ready: Promise<void> | undefined;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {
    this.entries = join(dir, 'objects');
    this.links = join(dir, 'reading');
  }

  /** A local copy of the object whose bytes hash to `sha256`, downloaded by `open` when
   * not cached. The returned path is the caller's to delete. */
  private lastUseMs = 0;

  async copyOf(sha256: string, open: () => Promise<Readable>): Promise<string> {
    if (!SHA256.test(sha256)) throw new RangeError(`not a sha256: ${sha256}`);
    await (this.ready ??= this.prepare());
    const entry = join(this.entries, `${sha256}.parquet`);
    const mine = join(this.links, `${randomBytes(8).toString('hex')}.parquet`);
    try {
      await link(entry, mine);
      await this.touch(entry); // most recently used
      return mine;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    const hash = createHash('sha256');
    const tap = new Transform({ transform: (chunk: Buffer, _enc, done) => (hash.update(chunk), done(null, chunk)) });
    try {
      await pipeline(await open(), tap, createWriteStream(mine));
      const got = hash.digest('hex');
      if (got !== sha256) throw new Error(`the object read back with sha256 ${got.slice(0, 12)}…, its manifest says ${sha256.slice(0, 12)}…`);
    } catch (err) {
      await rm(mine, { force: true });
      throw err;
    }
    // A concurrent reader may have cached it first: either copy is the same bytes.
    await link(mine, entry).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    await this.touch(entry);
    await this.evict();
    return mine;
  }

  /** Marks `entry` the most recently used. Stamps strictly increase within the process:
   * two uses in one millisecond (or on a file system with coarse times) must not tie,
   * or the entry just downloaded could be the one evicted. */
  private async touch(entry: string): Promise<void> {
    this.lastUseMs = Math.max(Date.now(), this.lastUseMs + 1);
    const when = new Date(this.lastUseMs);
    await utimes(entry, when, when);
  }

  /** Total bytes of the cache's entries (for tests and the docs' sizing). */
  async bytes(): Promise<number> {
    return (await this.list()).reduce((n, e) => n + e.bytes, 0);
  }

  private async prepare(): Promise<void> {
    await mkdir(this.entries, { recursive: true });
    // Links left by a process that died mid-read.
    await rm(this.links, { recursive: true, force: true });
    await mkdir(this.links, { recursive: true });
  }

  private async list(): Promise<{ path: string; bytes: number; usedMs: number }[]> {
    const names = await readdir(this.entries).catch(() => [] as string[]);
    const found = await Promise.all(
      names.map(async (name) => {
        const path = join(this.entries, name);
        const s = await stat(path).catch(() => undefined);
        return s ? { path, bytes: s.size, usedMs: s.mtimeMs } : undefined;
      }),
    );
    return found.filter((e) => e !== undefined);
  }

  private async evict(): Promise<void> {
    const all = (await this.list()).sort((a, b) => a.usedMs - b.usedMs);
    let total = all.reduce((n, e) => n + e.bytes, 0);
    for (const e of all) {
      if (total <= this.maxBytes) break;
      await rm(e.path, { force: true });
      total -= e.bytes;
    }
  }
}
