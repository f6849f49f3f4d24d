import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeArchiveStoreContract } from '../testing/archive-store-contract.js';
import { LocalFolderArchiveStore } from './local-folder-store.js';

const roots: string[] = [];
const fresh = () => {
  const root = mkdtempSync(join(tmpdir(), 'wl-local-store-'));
  roots.push(root);
  return new LocalFolderArchiveStore(root);
};
afterAll(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));

describeArchiveStoreContract('local folder', async () => fresh());

describe('LocalFolderArchiveStore', () => {
  it('leaves no temporary file behind and gives DuckDB a local path', async () => {
    const store = fresh();
    await store.putBytes('x/y.json', Buffer.from('{}'));
    expect(readdirSync(join(store.root, 'x'))).toEqual(['y.json']);
    expect(store.localPath('x/y.json')).toBe(join(store.root, 'x', 'y.json'));
    expect(store.description).toBe(`local:${store.root}`);
  });
});
