/**
 * The deferred trend index answers exactly what a per-commit index did: rows above its mark
 * are read by rowid, rows below it through the index, a record split below the mark is
 * indexed at once, and pruned or evicted rows leave no entry behind.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '@wardlink/shared';
import { lastRecordOf } from './last-record.js';
import { BufferMaintenance, TREND_INDEX_INTERVAL_MS } from './maintenance.js';
import { Outbox } from './outbox.js';
import { openBufferStore, type BufferStore } from './store.js';
import { prepareTrendReader, trendIndex } from './trend-index.js';
import { BufferWriter } from './writer.js';
import { tempDir, wardReadings, type TempDir } from './testing/fixtures.js';

let dir: TempDir;
let store: BufferStore;
let writer: BufferWriter;
beforeEach(() => {
  dir = tempDir();
  store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test' });
  writer = new BufferWriter(store, { flushIntervalMs: 5 });
});
afterEach(async () => {
  await writer.close();
  store.close();
  dir.remove();
});

async function append(readings: Reading[]): Promise<void> {
  const p = writer.append(readings);
  await writer.flush();
  await p;
}
/** What the old index answered: one bed's record rows in a time range, straight from the table. */
const truth = (bed: string, from: number, to: number) =>
  (store.db.prepare('SELECT device_time_ms, items FROM reading_records WHERE bed_id = ? AND device_time_ms >= ? AND device_time_ms < ?').raw().all(bed, from, to) as [number, string][]).sort();
const viaIndex = (bed: string, from: number, to: number) => [...prepareTrendReader(store.db).records(bed, from, to)].sort();
const entries = () => store.db.prepare('SELECT count(*) FROM reading_trend').pluck().get() as number;

describe('the deferred trend index', () => {
  it('reads through the index below its mark and by rowid above it, the same rows either way', async () => {
    await append(wardReadings(0, 4000));
    const [from, to] = [wardReadings(400, 401)[0]!.deviceTimeMs, wardReadings(3600, 3601)[0]!.deviceTimeMs];
    expect(entries()).toBe(0);
    const expected = truth('bed-3', from, to);
    expect(expected.length).toBeGreaterThan(5);
    expect(viaIndex('bed-3', from, to)).toEqual(expected); // all above the mark

    expect(trendIndex(store.db).catchUp()).toBe(store.db.prepare('SELECT count(*) FROM reading_records').pluck().get());
    await append(wardReadings(4000, 6000));
    const wider = wardReadings(5900, 5901)[0]!.deviceTimeMs;
    expect(viaIndex('bed-3', from, wider)).toEqual(truth('bed-3', from, wider)); // both parts, no row twice
    const last = lastRecordOf(store.db, 'mon-3', 'bed-3')!;
    expect(last.deviceTimeMs).toBe(Math.max(...truth('bed-3', 0, Number.MAX_SAFE_INTEGER).map((r) => r[0])));
  });

  it('finds each device\'s newest record above the mark by its device time, not by arrival (a replay of older records comes later)', async () => {
    await append(wardReadings(0, 2000));
    const newest = Math.max(...truth('bed-3', 0, Number.MAX_SAFE_INTEGER).map((r) => r[0]));
    await append(wardReadings(0, 400).map((r) => ({ ...r, deviceTimeMs: r.deviceTimeMs - 60_000 }))); // replayed, older, higher ids
    expect(entries()).toBe(0); // all of it above the mark
    const last = lastRecordOf(store.db, 'mon-3', 'bed-3')!;
    expect(last.deviceTimeMs).toBe(newest);
    expect(lastRecordOf(store.db, 'mon-3', 'bed-4')).toBeUndefined(); // the device on another bed
  });

  it('indexes a record the outbox splits below the mark, and forgets pruned and evicted rows', async () => {
    await append(wardReadings(0, 2000));
    trendIndex(store.db).catchUp();
    const outbox = new Outbox(store);
    const batch = outbox.nextBatch({ maxReadings: 1003 })!; // splits a record: its tail is a new row below the mark
    const all = (bed: string) => [viaIndex(bed, 0, Number.MAX_SAFE_INTEGER), truth(bed, 0, Number.MAX_SAFE_INTEGER)];
    for (let b = 0; b < 50; b++) expect(all(`bed-${b}`)[0]).toEqual(all(`bed-${b}`)[1]);
    expect(entries()).toBe(store.db.prepare('SELECT count(*) FROM reading_records').pluck().get());

    outbox.markSent(batch.seq, 1);
    expect(await new BufferMaintenance(store, { localRetentionMs: 0 }).pruneUploaded(2)).toBe(1003);
    expect(entries()).toBe(store.db.prepare('SELECT count(*) FROM reading_records').pluck().get());
    for (let b = 0; b < 50; b++) expect(all(`bed-${b}`)[0]).toEqual(all(`bed-${b}`)[1]);
  });

  it('catches up at the first housekeeping, then only every trendIndexIntervalMs, with every row readable meanwhile', async () => {
    const maintenance = new BufferMaintenance(store);
    const t0 = 1_000_000;
    await append(wardReadings(0, 400));
    await maintenance.runHousekeeping(t0);
    expect(entries()).toBe(50);
    await append(wardReadings(400, 800));
    await maintenance.runHousekeeping(t0 + TREND_INDEX_INTERVAL_MS - 1); // not due: the new rows stay above the mark
    expect(entries()).toBe(50);
    expect(viaIndex('bed-3', 0, Number.MAX_SAFE_INTEGER)).toEqual(truth('bed-3', 0, Number.MAX_SAFE_INTEGER));
    await maintenance.runHousekeeping(t0 + TREND_INDEX_INTERVAL_MS);
    expect(entries()).toBe(100);
    await append(wardReadings(800, 1200));
    await maintenance.runHousekeeping(t0); // the clock went back: caught up at once
    expect(entries()).toBe(150);
    expect(viaIndex('bed-3', 0, Number.MAX_SAFE_INTEGER)).toEqual(truth('bed-3', 0, Number.MAX_SAFE_INTEGER));
  });
});
