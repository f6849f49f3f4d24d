/**
 * The S3 archive store against a real S3-compatible server (s3rver over HTTP, in a child
 * process) with the AWS SDK v3 client: the shared contract suite, then what only a
 * bucket has: the multipart boundary, paged LISTs, a key prefix, and a server that
 * goes away.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type TestS3Server } from '../../testing/s3-server.js';
import { describeArchiveStoreContract } from '../testing/archive-store-contract.js';
import { S3ArchiveStore } from './s3-store.js';

const MiB = 1024 * 1024;
let server: TestS3Server;
let prefixes = 0;
const stores: S3ArchiveStore[] = [];
const dir = mkdtempSync(join(tmpdir(), 'wl-s3-store-'));
/** A store under a prefix of its own: every test starts from an empty "bucket". */
const fresh = (overrides: Partial<ConstructorParameters<typeof S3ArchiveStore>[0]> = {}) => {
  const store = new S3ArchiveStore(server.storeSettings({ prefix: `t${++prefixes}/`, ...overrides }));
  stores.push(store);
  return store;
};
const file = (bytes: Buffer) => {
  const path = join(dir, randomBytes(4).toString('hex'));
  writeFileSync(path, bytes);
  return path;
};
async function readAll(store: S3ArchiveStore, key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await store.get(key)) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  server = await startS3Server();
}, 30_000);
afterAll(async () => {
  await Promise.all(stores.map((s) => s.close()));
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describeArchiveStoreContract('S3 (s3rver)', async () => fresh());

describe('S3ArchiveStore', () => {
  it('uploads an object of exactly one part size in one PUT, and one byte more in two parts', async () => {
    const store = fresh({ partSizeBytes: 5 * MiB });
    const exact = randomBytes(5 * MiB);
    await store.put('day/exact.parquet', file(exact));
    expect(store.lastUpload).toEqual({ bytes: 5 * MiB, parts: 1 });
    const over = randomBytes(5 * MiB + 1);
    await store.put('day/over.parquet', file(over));
    expect(store.lastUpload).toEqual({ bytes: 5 * MiB + 1, parts: 2 });
    const three = randomBytes(2 * 5 * MiB + 12_345);
    await store.put('day/over.parquet', file(three));
    expect(store.lastUpload).toEqual({ bytes: three.length, parts: 3 });
    expect((await readAll(store, 'day/exact.parquet')).equals(exact)).toBe(true);
    expect((await readAll(store, 'day/over.parquet')).equals(three)).toBe(true);
    expect(await store.list('day/')).toEqual([
      { key: 'day/exact.parquet', bytes: exact.length },
      { key: 'day/over.parquet', bytes: three.length },
    ]);
  }, 60_000);

  it('lists every page of a prefix (ContinuationToken), sorted, and only under its own key prefix', async () => {
    const store = fresh({ maxKeysPerPage: 3 });
    const keys = Array.from({ length: 11 }, (_, i) => `vital_data/hospital=h1/year=2030/2030-01-${String(i + 1).padStart(2, '0')}.g1.parquet`);
    for (const key of [...keys].reverse()) await store.putBytes(key, Buffer.from(key));
    await store.putBytes('held/other.parquet', Buffer.from('x'));
    const neighbour = fresh();
    await neighbour.putBytes('vital_data/not-mine.parquet', Buffer.from('y'));
    const listed = await store.list('vital_data/');
    expect(listed.map((o) => o.key)).toEqual(keys);
    expect(listed.every((o, i) => o.bytes === keys[i]!.length)).toBe(true);
    expect(await store.list('')).toHaveLength(12);
  });

  it('answers WL_ARCHIVE_STORE_FAILED, naming the unreachable endpoint, when the server goes away', async () => {
    const own = await startS3Server('gone-away');
    const store = new S3ArchiveStore(own.storeSettings({ requestTimeoutMs: 2_000 }));
    stores.push(store);
    await store.putBytes('a/b.json', Buffer.from('{}'));
    expect(await store.exists('a/b.json')).toBe(true);
    await own.stop();
    const unreachable = { code: 'WL_ARCHIVE_STORE_FAILED', message: expect.stringMatching(/unreachable \(ECONNREFUSED\)/) };
    // An unreachable store is an error, never "the object is not there".
    await expect(store.exists('a/b.json')).rejects.toMatchObject(unreachable);
    await expect(store.get('a/b.json')).rejects.toMatchObject(unreachable);
    await expect(store.list('a/')).rejects.toMatchObject(unreachable);
    await expect(store.put('a/c.parquet', file(Buffer.from('c')))).rejects.toMatchObject(unreachable);
  }, 30_000);

  it('refuses wrong credentials with a stable code and never puts a credential in its message or description', async () => {
    const store = fresh({ accessKeyId: 'NOT-AN-ACCOUNT', secretAccessKey: 'not-the-secret-XYZ' });
    const err = await store.putBytes('a.json', Buffer.from('{}')).then(() => undefined, (e: unknown) => e as Error & { code: string });
    expect(err).toMatchObject({ code: 'WL_ARCHIVE_STORE_FAILED', message: expect.stringMatching(/access denied \(InvalidAccessKeyId\)/) });
    expect(err!.message).not.toContain('not-the-secret-XYZ');
    expect(JSON.stringify(store)).not.toContain('not-the-secret-XYZ');
    expect(store.description).toBe(`${'s3:'}${server.endpoint}/${server.bucket}/t${prefixes}/`);
  });
});
