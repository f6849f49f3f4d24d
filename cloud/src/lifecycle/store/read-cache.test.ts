import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { ArchiveReadCache } from './read-cache.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const fresh = (maxBytes: number) => {
  const dir = mkdtempSync(join(tmpdir(), 'wl-read-cache-'));
  dirs.push(dir);
  return new ArchiveReadCache(dir, maxBytes);
};
const object = (bytes: number) => {
  const data = randomBytes(bytes);
  return { data, sha256: createHash('sha256').update(data).digest('hex') };
};

describe('ArchiveReadCache', () => {
  it('downloads an object once, then answers copies of the cached entry', async () => {
    const cache = fresh(10_000);
    const o = object(1_000);
    let downloads = 0;
    const open = async () => (downloads++, Readable.from([o.data]));
    const first = await cache.copyOf(o.sha256, open);
    const second = await cache.copyOf(o.sha256, open);
    expect(downloads).toBe(1);
    expect(first).not.toBe(second);
    expect(readFileSync(first).equals(o.data) && readFileSync(second).equals(o.data)).toBe(true);
    expect(await cache.bytes()).toBe(1_000);
  });

  it('refuses bytes that are not the manifest hash, and caches nothing of them', async () => {
    const cache = fresh(10_000);
    const o = object(100);
    await expect(cache.copyOf(o.sha256, async () => Readable.from([randomBytes(100)]))).rejects.toThrow(/sha256/);
    expect(await cache.bytes()).toBe(0);
    expect(readdirSync(join(cache.dir, 'reading'))).toEqual([]);
  });

  it('keeps at most maxBytes of entries, least recently used out, and an evicted copy in use stays readable', async () => {
    const cache = fresh(2_500);
    const [a, b, c] = [object(1_000), object(1_000), object(1_000)];
    const inUse = await cache.copyOf(a.sha256, async () => Readable.from([a.data]));
    await cache.copyOf(b.sha256, async () => Readable.from([b.data]));
    await cache.copyOf(c.sha256, async () => Readable.from([c.data]));
    expect(await cache.bytes()).toBe(2_000);
    expect(existsSync(join(cache.dir, 'objects', `${a.sha256}.parquet`))).toBe(false);
    expect(readFileSync(inUse).equals(a.data)).toBe(true);
    let downloads = 0;
    await cache.copyOf(b.sha256, async () => (downloads++, Readable.from([b.data])));
    expect(downloads).toBe(0);
  });
});
