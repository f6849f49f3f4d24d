/**
 * The archive store as a local folder (a mounted volume, NFS, or a disk shipped to cold
 * storage). put writes `<key>.tmp-<random>`, fsyncs it, renames it over the key and
 * fsyncs the directory: after a crash the key holds the old object or the new one.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { ArchiveStoreError } from '../errors.js';
import { assertSafeKey, type ArchiveObjectInfo, type ArchiveStore } from './archive-store.js';

export class LocalFolderArchiveStore implements ArchiveStore {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  get description(): string {
    return `local:${this.root}`;
  }

  localPath(key: string): string {
    return join(this.root, ...assertSafeKey(key).split('/'));
  }

  async put(key: string, sourcePath: string): Promise<void> {
    await this.atomically(key, (tmp) => copyFile(sourcePath, tmp));
  }

  async putBytes(key: string, bytes: Uint8Array): Promise<void> {
    await this.atomically(key, async (tmp) => {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(bytes);
      } finally {
        await handle.close();
      }
    });
  }

  async get(key: string): Promise<Readable> {
    const path = this.localPath(key);
    try {
      await stat(path);
    } catch (err) {
      throw new ArchiveStoreError('get', key, (err as NodeJS.ErrnoException).code ?? String(err), { cause: err });
    }
    return createReadStream(path, { highWaterMark: 1 << 20 });
  }

  async exists(key: string): Promise<boolean> {
    return stat(this.localPath(key)).then(
      (s) => s.isFile(),
      () => false,
    );
  }

  async list(prefix: string): Promise<ArchiveObjectInfo[]> {
    const found: ArchiveObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        const path = join(dir, e.name);
        if (e.isDirectory()) await walk(path);
        else if (e.isFile() && !e.name.includes('.tmp-')) {
          const key = relative(this.root, path).split(sep).join('/');
          if (key.startsWith(prefix)) found.push({ key, bytes: (await stat(path)).size });
        }
      }
    };
    await walk(this.root);
    return found.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const path = this.localPath(key);
    try {
      await rm(path, { force: true });
      await syncDir(dirname(path));
    } catch (err) {
      throw new ArchiveStoreError('delete', key, (err as Error).message, { cause: err });
    }
  }

  private async atomically(key: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const path = this.localPath(key);
    const tmp = `${path}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await mkdir(dirname(path), { recursive: true });
      await write(tmp);
      const handle = await open(tmp, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, path);
      await syncDir(dirname(path));
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new ArchiveStoreError('put', key, (err as Error).message, { cause: err });
    }
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
