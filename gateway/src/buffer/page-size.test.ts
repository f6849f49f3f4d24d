/**
 * A new buffer file gets 1 KiB pages (store.ts, NEW_FILE_PAGE_SIZE: a commit writes every
 * page it touches in full), and the automatic checkpoint stays at the same WAL size in
 * bytes. A file created with 4 KiB pages (every buffer before this) keeps them, and its
 * readings.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BufferOptionError } from '@wardlink/shared';
import { DEFAULT_WAL_AUTOCHECKPOINT_BYTES, NEW_FILE_PAGE_SIZE, openBufferStore } from './store.js';
import { BufferWriter } from './writer.js';
import { tempDir, wardReadings, type TempDir } from './testing/fixtures.js';

let dir: TempDir;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => dir.remove());

describe('buffer page size', () => {
  it('creates a new file with 1 KiB pages and checkpoints after the same WAL bytes as 1000 pages of 4 KiB', () => {
    const store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test' });
    try {
      expect(NEW_FILE_PAGE_SIZE).toBe(1024);
      expect(store.db.pragma('page_size', { simple: true })).toBe(1024);
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('auto_vacuum', { simple: true })).toBe(2);
      expect(store.connection.walAutocheckpointPages).toBe(DEFAULT_WAL_AUTOCHECKPOINT_BYTES / 1024);
      expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(4000);
    } finally {
      store.close();
    }
  });

  it('keeps the page size of an existing file, with its readings, and sizes its checkpoint in its pages', async () => {
    const path = dir.file('gw.db');
    const old = openBufferStore({ path, gatewayId: 'gw-test', pageSizeBytes: 4096 });
    const writer = new BufferWriter(old, { flushIntervalMs: 1 });
    await writer.append(wardReadings(0, 500));
    await writer.close();
    old.close();

    const store = openBufferStore({ path, gatewayId: 'gw-test' });
    try {
      expect(store.db.pragma('page_size', { simple: true })).toBe(4096);
      expect(store.connection.walAutocheckpointPages).toBe(1000);
      expect(store.db.prepare('SELECT sum(n) FROM reading_records').pluck().get()).toBe(500);
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      store.close();
    }
  });

  it('takes an explicit automatic checkpoint size in pages as given', () => {
    const store = openBufferStore({ path: dir.file('gw.db'), walAutocheckpointPages: 250 });
    try {
      expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(250);
    } finally {
      store.close();
    }
  });

  it.each([0, 1000, 3000, 131072, 1.5])('refuses pageSizeBytes %s', (pageSizeBytes) => {
    expect(() => openBufferStore({ path: dir.file('gw.db'), pageSizeBytes })).toThrow(BufferOptionError);
  });
});
