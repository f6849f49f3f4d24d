import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock, type Reading } from '@wardlink/shared';
import { BufferCap } from './eviction.js';
import { BufferMaintenance } from './maintenance.js';
import { Outbox } from './outbox.js';
import { openBufferStore, type BufferStore, type BufferStoreOptions } from './store.js';
import { trendIndex } from './trend-index.js';
import { BufferWriter } from './writer.js';
import { alarmEvent, tempDir, wardReadings, type TempDir } from './testing/fixtures.js';

const HOUR_MS = 3_600_000;
let dir: TempDir;
let store: BufferStore;
let writer: BufferWriter;
let outbox: Outbox;

function open(opts: Partial<BufferStoreOptions> = {}): void {
  store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test', ...opts });
  writer = new BufferWriter(store, { flushIntervalMs: 5 });
  outbox = new Outbox(store);
}
beforeEach(() => (dir = tempDir()));
afterEach(() => {
  store.close();
  dir.remove();
});

async function append(readings: Reading[]): Promise<void> {
  const p = writer.append(readings);
  await writer.flush();
  await p;
}
/** Readings `from..to` received at `atMs`, batched and marked sent at `atMs`. */
async function uploaded(from: number, to: number, atMs: number): Promise<void> {
  await append(wardReadings(from, to).map((r) => ({ ...r, receivedAtMs: atMs })));
  for (let b = outbox.nextBatch({ maxReadings: 5000 }); b; b = outbox.nextBatch({ maxReadings: 5000 })) outbox.markSent(b.seq, atMs);
}
const count = (sql: string) => store.db.prepare(sql).pluck().get() as number;

describe('BufferMaintenance', () => {
  it('keeps the -wal file bounded: a TRUNCATE checkpoint after heavy writes leaves it empty', async () => {
    open({ walAutocheckpointPages: 0 }); // no automatic checkpoints: the WAL only grows
    for (let i = 0; i < 100_000; i += 10_000) await append(wardReadings(i, i + 10_000));
    const maintenance = new BufferMaintenance(store);
    // One row per record and no per-commit index keep 100k readings in ~2.7 MiB of WAL (~9 with one row per reading).
    expect(maintenance.walBytes()).toBeGreaterThan(2 * 1024 * 1024);

    const result = maintenance.checkpoint();
    expect(result.busy).toBe(false);
    expect(result.checkpointedPages).toBe(result.walPages);
    expect(result.walBytes).toBe(0);
    expect(statSync(dir.file('gw.db-wal')).size).toBe(0);
    expect(count('SELECT count(*) FROM readings')).toBe(100_000);
  });

  it('does not wait for a reader in another process; the next checkpoint completes', async () => {
    open({ walAutocheckpointPages: 0 });
    await append(wardReadings(0, 20_000));
    const reader = new Database(dir.file('gw.db'));
    reader.exec('BEGIN');
    reader.prepare('SELECT count(*) FROM readings').get(); // holds a read snapshot
    await append(wardReadings(20_000, 40_000));
    const maintenance = new BufferMaintenance(store);

    const started = performance.now();
    const blocked = maintenance.checkpoint();
    expect(performance.now() - started).toBeLessThan(1000); // busy_timeout is 5 s
    expect(blocked.busy).toBe(true);
    expect(blocked.walBytes).toBeGreaterThan(0);

    reader.exec('COMMIT');
    reader.close();
    expect(maintenance.checkpoint()).toMatchObject({ busy: false, walBytes: 0 });
  });

  it('prunes uploaded readings past local retention in chunks, and never unsent ones or alarms', async () => {
    open();
    const now = systemClock.now();
    await uploaded(0, 12_000, now - 25 * HOUR_MS); // past the 24 h retention
    await uploaded(12_000, 13_000, now - 23 * HOUR_MS); // still kept for the trend view
    await append(wardReadings(13_000, 14_000).map((r) => ({ ...r, receivedAtMs: now - 48 * HOUR_MS }))); // old but unsent
    void writer.appendAlarm(alarmEvent(1, { timeMs: now - 48 * HOUR_MS }));
    await writer.flush();
    const quarantined = outbox.nextBatch({ maxReadings: 10, maxAlarms: 0 })!;
    outbox.quarantine(quarantined.seq, 'HTTP 400');

    const maintenance = new BufferMaintenance(store, { chunkRows: 1000 });
    expect(await maintenance.pruneUploaded(now)).toBe(12_000);
    expect(count('SELECT count(*) FROM readings WHERE uploaded_at_ms IS NOT NULL')).toBe(1000);
    expect(count('SELECT count(*) FROM readings WHERE uploaded_at_ms IS NULL')).toBe(1000);
    expect(count('SELECT count(*) FROM alarm_events')).toBe(1);

    expect(await maintenance.pruneSettledBatches(now)).toBe(3); // the 25 h old sent batches
    expect(count("SELECT count(*) FROM outbox_batches WHERE state = 'sent'")).toBe(1);
    expect(count("SELECT count(*) FROM outbox_batches WHERE state = 'quarantined'")).toBe(1);
  });

  it('prunes in one transaction per chunk with the trend-index entries, not one per batch and per entry', async () => {
    // Flash wear (issue 18): each transaction writes at least a page to the WAL, so one per
    // deleted row's trend entry wrote more than the rows' own pages many times over.
    open({ walAutocheckpointPages: 0 });
    const now = systemClock.now();
    for (let i = 0; i < 30; i++) {
      await append(wardReadings(i * 400, (i + 1) * 400).map((r) => ({ ...r, receivedAtMs: now - 25 * HOUR_MS })));
      const batch = outbox.nextBatch({ maxReadings: 5000 })!;
      outbox.markSent(batch.seq, now - 25 * HOUR_MS);
    }
    trendIndex(store.db).catchUp();
    const recordRows = count('SELECT count(*) FROM reading_records');
    expect(count('SELECT count(*) FROM reading_trend')).toBe(recordRows);
    const maintenance = new BufferMaintenance(store, { chunkRows: 5000 });
    expect(maintenance.checkpoint().walBytes).toBe(0);

    expect(await maintenance.pruneUploaded(now)).toBe(12_000);
    expect(await maintenance.pruneSettledBatches(now)).toBe(30);
    expect(count('SELECT count(*) FROM reading_records')).toBe(0);
    expect(count('SELECT count(*) FROM reading_trend')).toBe(0);
    const pageSize = store.db.pragma('page_size', { simple: true }) as number;
    const walFrames = maintenance.walBytes() / (pageSize + 24);
    // The pages the rows, their index entries and the batches were on, about once each.
    expect(recordRows).toBeGreaterThan(1000);
    expect(walFrames).toBeLessThan(recordRows / 4);
  });

  it('prunes with the trend catch-up every trendIndexIntervalMs, after the checkpoint, so its pages wait in the WAL for the next', async () => {
    // Flash wear (issue 18): the pages a prune frees are taken by the next commits; left in
    // the WAL until the next cycle's checkpoint they are copied into the file once, not twice.
    open({ walAutocheckpointPages: 0 });
    const t = systemClock.now() - HOUR_MS;
    const maintenance = new BufferMaintenance(store, { localRetentionMs: 60_000, trendIndexIntervalMs: 120_000 });
    await uploaded(0, 8000, t);
    void writer.appendAlarm(alarmEvent(1, { timeMs: t - HOUR_MS }));
    await writer.flush();

    const first = await maintenance.runHousekeeping(t + 61_000); // the first cycle runs the round at once
    expect(first.prunedReadings).toBe(8000);
    expect(first.checkpoint.walBytes).toBe(0); // the checkpoint came first...
    expect(maintenance.walBytes()).toBeGreaterThan(0); // ...and the prune's pages wait in the WAL
    expect(count('SELECT count(*) FROM readings')).toBe(0);
    expect(count('SELECT count(*) FROM alarm_events')).toBe(1);

    await uploaded(9000, 13_000, t + 62_000);
    await append(wardReadings(13_000, 14_000).map((r) => ({ ...r, receivedAtMs: t - HOUR_MS }))); // old, never sent
    const between = await maintenance.runHousekeeping(t + 61_000 + 90_000); // past retention, but the round is not due
    expect(between.prunedReadings).toBe(0);
    expect(between.checkpoint).toMatchObject({ busy: false, walBytes: 0 });
    expect(maintenance.walBytes()).toBe(0); // the previous prune's pages are in the file, and nothing came after
    expect(count('SELECT count(*) FROM readings')).toBe(5000);

    const due = await maintenance.runHousekeeping(t + 61_000 + 120_000);
    expect(due.prunedReadings).toBe(4000);
    expect(count('SELECT count(*) FROM readings')).toBe(1000);
    expect(count('SELECT count(*) FROM readings WHERE uploaded_at_ms IS NULL')).toBe(1000);
    expect(count('SELECT count(*) FROM reading_trend')).toBe(count('SELECT count(*) FROM reading_records'));
    expect(count('SELECT count(*) FROM alarm_events')).toBe(1);

    await append(wardReadings(14_000, 15_000).map((r) => ({ ...r, receivedAtMs: t })));
    await maintenance.runHousekeeping(t); // the clock went back: the round runs at once
    expect(count('SELECT count(*) FROM readings')).toBe(2000);
    expect(count('SELECT count(*) FROM reading_trend')).toBe(count('SELECT count(*) FROM reading_records'));
  });

  it('returns free pages beyond the reserve to the filesystem', async () => {
    open();
    await uploaded(0, 100_000, systemClock.now() - 48 * HOUR_MS);
    const maintenance = new BufferMaintenance(store, { keepFreeBytes: 1024 * 1024, vacuumChunkPages: 256 });
    await maintenance.pruneUploaded();
    maintenance.checkpoint();
    const before = statSync(dir.file('gw.db')).size;
    const freeBefore = count('SELECT freelist_count FROM pragma_freelist_count()');
    const pageSize = store.db.pragma('page_size', { simple: true }) as number;
    const reserve = (1024 * 1024) / pageSize;
    expect(freeBefore).toBeGreaterThan(reserve + 2 * 256);

    const returned = await maintenance.vacuum();
    maintenance.checkpoint();
    expect(returned).toBe(freeBefore - reserve);
    expect(count('SELECT freelist_count FROM pragma_freelist_count()')).toBe(reserve);
    // The file shrinks by the pages returned (and the pointer-map pages that tracked them).
    expect(statSync(dir.file('gw.db')).size).toBeLessThanOrEqual(before - returned * pageSize);
  });

  it('runs housekeeping on its timer until stopped', async () => {
    open();
    await uploaded(0, 20_000, systemClock.now() - 48 * HOUR_MS);
    await append(wardReadings(20_000, 40_000));
    const maintenance = new BufferMaintenance(store, { housekeepingIntervalMs: 20 });
    maintenance.start();
    await waitUntil(() => count('SELECT count(*) FROM readings') === 20_000);
    await maintenance.stop();
    expect(count('SELECT count(*) FROM readings WHERE uploaded_at_ms IS NULL')).toBe(20_000);
  });

  it('enforces the byte cap on its timer', async () => {
    open();
    await append(wardReadings(0, 40_000));
    const cap = new BufferCap(store, { maxBytes: Math.floor(new BufferCap(store, { maxBytes: 1 << 30 }).usedBytes() * 0.8) });
    const maintenance = new BufferMaintenance(store, { cap, capCheckIntervalMs: 10 });
    maintenance.start();
    await waitUntil(() => cap.counters().rounds > 0);
    await maintenance.stop();
    expect(cap.counters().unsentReadings).toBeGreaterThan(0);
    expect(cap.usedBytes()).toBeLessThanOrEqual(cap.maxBytes);
  });
});

async function waitUntil(done: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for maintenance');
    await new Promise((r) => setTimeout(r, 10));
  }
}
