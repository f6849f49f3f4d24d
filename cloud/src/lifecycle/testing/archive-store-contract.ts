/**
 * The one suite every ArchiveStore implementation must pass (local folder today, an
 * S3-compatible bucket later): call it from the implementation's test file.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ArchiveStore } from '../store/archive-store.js';

async function readAll(store: ArchiveStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function describeArchiveStoreContract(name: string, create: () => Promise<ArchiveStore>): void {
  describe(`ArchiveStore contract: ${name}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'wl-store-contract-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const file = (bytes: Buffer) => {
      const path = join(dir, randomBytes(4).toString('hex'));
      writeFileSync(path, bytes);
      return path;
    };

    it('puts, gets, lists and deletes objects by key', async () => {
      const store = await create();
      const big = randomBytes(3 * 1024 * 1024 + 17);
      await store.put('vital_data/hospital=h1/year=2030/2030-01-01.g1.parquet', file(big));
      await store.putBytes('vital_data/hospital=h1/year=2030/2030-01-01.g1.parquet.manifest.json', Buffer.from('{"a":1}'));
      await store.put('held/hospital=h1/patient=P%2F1/2030-01-01.g1.parquet', file(Buffer.from('held')));
      expect((await readAll(store, 'vital_data/hospital=h1/year=2030/2030-01-01.g1.parquet')).equals(big)).toBe(true);
      expect(await store.exists('held/hospital=h1/patient=P%2F1/2030-01-01.g1.parquet')).toBe(true);
      expect(await store.exists('held/hospital=h1/patient=P%2F1/2030-01-02.g1.parquet')).toBe(false);
      expect(await store.list('vital_data/')).toEqual([
        { key: 'vital_data/hospital=h1/year=2030/2030-01-01.g1.parquet', bytes: big.length },
        { key: 'vital_data/hospital=h1/year=2030/2030-01-01.g1.parquet.manifest.json', bytes: 7 },
      ]);
      expect((await store.list('')).map((o) => o.key)).toHaveLength(3);
      await store.delete('held/hospital=h1/patient=P%2F1/2030-01-01.g1.parquet');
      expect(await store.exists('held/hospital=h1/patient=P%2F1/2030-01-01.g1.parquet')).toBe(false);
    });

    it('overwrites on put, deletes idempotently, and fails a get of a missing key with WL_ARCHIVE_STORE_FAILED', async () => {
      const store = await create();
      await store.put('a/b.parquet', file(Buffer.from('one')));
      await store.put('a/b.parquet', file(Buffer.from('two')));
      expect((await readAll(store, 'a/b.parquet')).toString()).toBe('two');
      await store.delete('a/b.parquet');
      await store.delete('a/b.parquet');
      await expect(store.get('a/b.parquet')).rejects.toMatchObject({ code: 'WL_ARCHIVE_STORE_FAILED' });
    });

    it('refuses keys that would escape its root', async () => {
      const store = await create();
      for (const key of ['../x', 'a/../../x', '/abs', 'a/./b', 'dir/']) {
        await expect(Promise.resolve().then(() => store.putBytes(key, Buffer.from('x')))).rejects.toThrow(/unsafe archive key/);
      }
    });
  });
}
