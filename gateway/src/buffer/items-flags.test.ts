/**
 * buffer-005: a reading's flags are left out of `items` when 0 (rows.ts), and a buffer
 * written before it upgrades in place: its rows keep `["HR",72,0]`, and every reader
 * (the outbox, the `readings` view, the de-duplication seed, the last record of a device)
 * reads both forms the same.
 */
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '@wardlink/shared';
import { lastRecordOf } from './last-record.js';
import { applyMigrations, bufferMigrations } from './migrations.js';
import { Outbox } from './outbox.js';
import { RecentRecords } from './recent-records.js';
import { openBufferStore, type BufferStore } from './store.js';
import { silentBufferLogger } from './types.js';
import { BufferWriter } from './writer.js';
import { T0_MS, tempDir, type TempDir } from './testing/fixtures.js';
import { storedReadings } from './testing/stored-readings.js';

let dir: TempDir;
let store: BufferStore | undefined;
beforeEach(() => {
  dir = tempDir();
});
afterEach(() => {
  store?.close();
  dir.remove();
});

const OLD_ITEMS = '[["HR",72,0],["SPO2",97,0],["PI",1.25,4]]';

/** A buffer as the gateway left it before buffer-005: one record of three readings, flags always written. */
function bufferBefore005(path: string): void {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  applyMigrations(db, bufferMigrations.slice(0, 4), { nowMs: 1, logger: silentBufferLogger });
  db.prepare("INSERT INTO meta (key, value) VALUES ('gateway_id', 'gw-test')").run();
  db.prepare(`INSERT INTO reading_records (id, n, device_id, bed_id, patient_id, device_time_ms, received_at_ms, items) VALUES (1, 3, 'mon-1', 'bed-1', 'pat-1', ?, ?, ?)`).run(
    T0_MS,
    T0_MS + 5,
    OLD_ITEMS,
  );
  db.close();
}

function reading(metric: 'HR' | 'SPO2' | 'PI', value: number, flags: number, k: number): Reading {
  return { gatewayId: 'gw-test', deviceId: 'mon-1', bedId: 'bed-1', patientId: 'pat-1', metric, deviceTimeMs: T0_MS + k * 1000, receivedAtMs: T0_MS + k * 1000 + 5, value, flags };
}

describe('buffer-005: flags 0 left out of items', () => {
  it('stores new readings without their zero flags, and keeps nonzero ones', async () => {
    store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test' });
    const writer = new BufferWriter(store, { flushIntervalMs: 1 });
    await writer.append([reading('HR', 72, 0, 0), reading('SPO2', 97, 0, 0), reading('PI', 1.25, 4, 0)]);
    await writer.close();
    expect(store.db.prepare('SELECT items FROM reading_records').pluck().get()).toBe('[["HR",72],["SPO2",97],["PI",1.25,4]]');
    expect(storedReadings(store.db).map((r) => [r.metric, r.value, r.flags])).toEqual([
      ['HR', 72, 0],
      ['SPO2', 97, 0],
      ['PI', 1.25, 4],
    ]);
  });

  it('upgrades a buffer in place: rows in the old form and the new read alike, nothing is lost', async () => {
    const path = dir.file('gw.db');
    bufferBefore005(path);
    store = openBufferStore({ path, gatewayId: 'gw-test' });
    expect(store.db.prepare('SELECT items FROM reading_records WHERE id = 1').pluck().get()).toBe(OLD_ITEMS); // not rewritten
    const writer = new BufferWriter(store, { flushIntervalMs: 1 });
    await writer.append([reading('HR', 73, 0, 1), reading('SPO2', 96, 0, 1), reading('PI', 1.5, 4, 1)]);
    await writer.close();

    const expected = [
      ['HR', 72, 0],
      ['SPO2', 97, 0],
      ['PI', 1.25, 4],
      ['HR', 73, 0],
      ['SPO2', 96, 0],
      ['PI', 1.5, 4],
    ];
    expect(storedReadings(store.db).map((r) => [r.metric, r.value, r.flags])).toEqual(expected);
    const batch = new Outbox(store).nextBatch({ maxReadings: 100 })!;
    expect(batch.readings.map((r) => [r.metric, r.value, r.flags])).toEqual(expected);
    expect(batch.readings.every((r) => typeof r.flags === 'number')).toBe(true);

    const recent = new RecentRecords();
    expect(recent.seed(store.db)).toBe(2);
    expect(lastRecordOf(store.db, 'mon-1', 'bed-1')).toMatchObject({
      deviceTimeMs: T0_MS + 1000,
      receivedAtMs: T0_MS + 1005,
      flags: 0,
      trusted: true,
      deviceClockMs: T0_MS + 1000,
      values: [
        { metric: 'HR', value: 73 },
        { metric: 'SPO2', value: 96 },
        { metric: 'PI', value: 1.5 },
      ],
      earlier: [{ deviceClockMs: T0_MS, trusted: true }],
      clockStopped: false,
    });
  });
});
