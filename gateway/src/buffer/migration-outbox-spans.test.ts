/**
 * buffer-003 converts a buffer whose rows were stamped (batch_seq, uploaded_at_ms) to id
 * ranges without losing or re-sending a reading: pending batches keep their seq and
 * content (also a legacy 'oldest' batch whose range holds an older 'newest' batch's rows),
 * sent rows stay uploaded, and only the rows no batch held go into new batches.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '@wardlink/shared';
import { countUnsentReadings } from './backlog.js';
import { applyMigrations, bufferMigrations } from './migrations.js';
import { BufferMaintenance } from './maintenance.js';
import { Outbox } from './outbox.js';
import { openBufferStore, type BufferStore } from './store.js';
import { silentBufferLogger } from './types.js';
import { tempDir, type TempDir } from './testing/fixtures.js';

let dir: TempDir;
let store: BufferStore | undefined;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  store?.close();
  dir.remove();
});

/** A buffer as the gateway left it before buffer-003: one reading per row, ids 1..120. */
function legacyBuffer(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  applyMigrations(db, bufferMigrations.slice(0, 2), { nowMs: 1, logger: silentBufferLogger });
  db.prepare("INSERT INTO meta (key, value) VALUES ('gateway_id', 'gw-test'), ('next_batch_seq', '4')").run();
  const insert = db.prepare(
    `INSERT INTO reading_records (id, n, device_id, bed_id, patient_id, device_time_ms, received_at_ms, items, batch_seq, uploaded_at_ms)
     VALUES (?, 1, 'mon-1', 'bed-1', 'pat-1', ?, ?, json_array(json_array('HR', ?, 0)), ?, ?)`,
  );
  const batch = db.prepare(
    `INSERT INTO outbox_batches (seq, gateway_id, created_at_ms, order_kind, first_reading_id, last_reading_id, reading_count, alarm_count, oldest_item_ms, state, settled_at_ms)
     VALUES (?, 'gw-test', 400, ?, ?, ?, ?, 0, 0, ?, ?)`,
  );
  for (let id = 1; id <= 120; id++) {
    // Batch 1 ('newest', pending) took 81..100 during an outage; batch 2 ('oldest', sent at
    // 500) took 1..50; batch 3 ('oldest', pending) took 51..80 and, past batch 1, 101..110.
    const seq = id <= 50 ? 2 : id <= 80 ? 3 : id <= 100 ? 1 : id <= 110 ? 3 : null;
    insert.run(id, 1000 * id, 1000 * id, id, seq, seq === 2 ? 500 : null);
  }
  batch.run(1, 'newest', 81, 100, 20, 'pending', null);
  batch.run(2, 'oldest', 1, 50, 50, 'sent', 500);
  batch.run(3, 'oldest', 51, 110, 40, 'pending', null);
  db.close();
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const values = (b: { readings: { value: number }[] }) => b.readings.map((r) => r.value);

describe('buffer-003-outbox-by-id-ranges', () => {
  it('keeps every batch\'s seq and content, and sends only the rows no batch held', () => {
    const path = dir.file('gw.db');
    legacyBuffer(path);
    store = openBufferStore({ path, gatewayId: 'gw-test', clock: systemClock });
    const outbox = new Outbox(store);

    expect(store.db.prepare('SELECT first_id, last_id FROM outbox_spans').raw().all()).toEqual([[1, 110]]);
    expect(outbox.pendingSeqs()).toEqual([1, 3]);
    expect(values(outbox.loadBatch(1))).toEqual(range(81, 100));
    expect(values(outbox.loadBatch(3))).toEqual([...range(51, 80), ...range(101, 110)]);
    expect(countUnsentReadings(store.db)).toBe(10 + 20 + 40);

    const fresh = outbox.nextBatch({ maxReadings: 100, inFlight: [1, 3] })!;
    expect(fresh.seq).toBe(4);
    expect(values(fresh)).toEqual(range(111, 120));
    expect(outbox.nextBatch({ maxReadings: 100, inFlight: [1, 3, 4] })).toBeNull();
    expect(store.db.prepare('SELECT first_id, last_id FROM outbox_spans').raw().all()).toEqual([[1, 120]]);

    // The view still tells each reading's batch and upload time (derived from the batch now).
    outbox.markSent(3, 900);
    const view = store.db.prepare('SELECT id, batch_seq, uploaded_at_ms FROM readings ORDER BY id').raw().all() as [number, number, number | null][];
    const expected = (id: number): [number, number, number | null] =>
      id <= 50 ? [id, 2, 500] : id <= 80 ? [id, 3, 900] : id <= 100 ? [id, 1, null] : id <= 110 ? [id, 3, 900] : [id, 4, null];
    expect(view).toEqual(range(1, 120).map(expected));
    expect(countUnsentReadings(store.db)).toBe(20 + 10);
  });

  it('prunes a legacy sent batch by its range, leaving the rows of the batch nested in it', async () => {
    const path = dir.file('gw.db');
    legacyBuffer(path);
    store = openBufferStore({ path, gatewayId: 'gw-test', clock: systemClock });
    const outbox = new Outbox(store);
    outbox.markSent(3, 600);
    const maintenance = new BufferMaintenance(store, { localRetentionMs: 0 });
    expect(await maintenance.pruneUploaded(700)).toBe(50 + 40);
    expect(store.db.prepare('SELECT id FROM reading_records ORDER BY id').pluck().all()).toEqual(range(81, 120).filter((id) => id <= 100 || id > 110));
    expect(values(outbox.loadBatch(1))).toEqual(range(81, 100));
    expect(await maintenance.pruneSettledBatches(700)).toBe(2);
    expect(store.db.prepare('SELECT first_id, last_id FROM outbox_spans').raw().all()).toEqual([[1, 110]]);
    expect(values(outbox.nextBatch({ maxReadings: 100, inFlight: [1] })!)).toEqual(range(111, 120));
  });
});
