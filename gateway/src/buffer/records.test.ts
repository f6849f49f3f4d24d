/**
 * Readings are stored one row per device record (schema.ts): what a monitor sends
 * together (same device, bed, patient) is one row, per-observation times and flags kept,
 * and a batch boundary inside a record splits it without losing or reordering anything.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MetricId, Reading } from '@wardlink/shared';
import { Outbox } from './outbox.js';
import { openBufferStore, type BufferStore } from './store.js';
import { BufferWriter } from './writer.js';
import { T0_MS, tempDir, type TempDir } from './testing/fixtures.js';
import { ManualClock } from './testing/manual-clock.js';
import { storedReadings } from './testing/stored-readings.js';

let dir: TempDir;
let store: BufferStore;
let writer: BufferWriter;
let outbox: Outbox;

beforeEach(() => {
  dir = tempDir();
  store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test', clock: new ManualClock() });
  writer = new BufferWriter(store, { flushIntervalMs: 5 });
  outbox = new Outbox(store);
});
afterEach(() => {
  store.close();
  dir.remove();
});

const METRICS: readonly MetricId[] = ['HR', 'PR', 'SPO2', 'PI', 'RR', 'TEMP', 'ETCO2', 'ABP_SYS', 'ABP_DIA', 'ABP_MEAN'];

/** Record `k` of bed `bed`: 10 metrics received together, the last two observed 2 s earlier (HL7 OBX-14). */
function record(k: number, bed = k % 3): Reading[] {
  return METRICS.map((metric, m) => ({
    gatewayId: 'gw-test',
    deviceId: `mon-${bed}`,
    bedId: `bed-${bed}`,
    patientId: bed === 0 ? null : `pat-${bed}`,
    metric,
    deviceTimeMs: T0_MS + k * 1000 - (m >= 8 ? 2000 : 0),
    receivedAtMs: T0_MS + k * 1000 + 7,
    value: m === 3 ? 1.25 + k / 1000 : 60 + k + m,
    flags: m === 5 ? 4 : 0,
  }));
}

async function appendRecords(count: number): Promise<Reading[]> {
  const all: Reading[] = [];
  const pending: Promise<void>[] = [];
  for (let k = 0; k < count; k++) {
    const r = record(k);
    all.push(...r);
    pending.push(writer.append(r));
  }
  await writer.flush();
  await Promise.all(pending);
  return all;
}

const rowCount = () => store.db.prepare('SELECT count(*) FROM reading_records').pluck().get() as number;
const strip = (r: Reading) => ({ ...r, gatewayId: 'gw-test' });

describe('record rows', () => {
  it('stores one row per record and gives every reading back exactly, in order', async () => {
    const appended = await appendRecords(30);
    expect(rowCount()).toBe(30);
    const batch = outbox.nextBatch({ maxReadings: 10_000 })!;
    expect(batch.readings).toEqual(appended);
    const stored = storedReadings(store.db);
    expect(stored.map((r) => r.id)).toEqual(appended.map((_, i) => i + 1));
    expect(stored[9]).toMatchObject({ metric: 'ABP_MEAN', device_time_ms: T0_MS - 2000, received_at_ms: T0_MS + 7, flags: 0 });
    expect(stored[5]).toMatchObject({ metric: 'TEMP', flags: 4, patient_id: null });
  });

  it('splits the record at a batch boundary, oldest first, keeping content and order', async () => {
    const appended = await appendRecords(5);
    const b1 = outbox.nextBatch({ maxReadings: 13 })!;
    const b2 = outbox.nextBatch({ maxReadings: 13, inFlight: [b1.seq] })!;
    expect(b1.readings).toEqual(appended.slice(0, 13));
    expect(b2.readings).toEqual(appended.slice(13, 26));
    // A restart re-reads the same content from the split rows.
    expect(outbox.loadBatch(b1.seq).readings).toEqual(b1.readings);
    expect(outbox.loadBatch(b2.seq).readings).toEqual(b2.readings);
    expect(outbox.backlog().readings).toBe(50);
    outbox.markSent(b1.seq);
    expect(outbox.backlog().readings).toBe(37);
    expect(storedReadings(store.db).map((r) => r.id)).toEqual(appended.map((_, i) => i + 1));
  });

  it('splits the record at a batch boundary, newest first, never overlapping the backlog', async () => {
    const appended = await appendRecords(5);
    const live = outbox.nextBatch({ maxReadings: 13, order: 'newest' })!;
    expect(live.readings).toEqual(appended.slice(37));
    const rest = outbox.nextBatch({ maxReadings: 100, order: 'oldest', inFlight: [live.seq] })!;
    expect(rest.readings).toEqual(appended.slice(0, 37));
    expect(outbox.loadBatch(live.seq).readings.map(strip)).toEqual(live.readings);
  });

  it('keeps a suspect clock\'s device time and an uncatalogued term\'s unit, through a split and a reload', async () => {
    const base = record(0, 1);
    const rare: Reading[] = [
      ...base.slice(0, 3),
      { ...base[3]!, metric: '150047', value: 18.5, unit: 'mm[Hg]' },
      { ...base[4]!, flags: 8, deviceClockMs: T0_MS - 8 * 86_400_000 },
      { ...base[5]!, flags: 8 }, // stored before the device's time was kept: none to give back
      ...base.slice(6),
    ];
    const appended = writer.append(rare);
    await writer.flush();
    await appended;
    const b1 = outbox.nextBatch({ maxReadings: 4 })!;
    const b2 = outbox.nextBatch({ maxReadings: 100, inFlight: [b1.seq] })!;
    expect([...b1.readings, ...b2.readings]).toEqual(rare);
    expect(outbox.loadBatch(b2.seq).readings).toEqual(b2.readings);
    const stored = storedReadings(store.db);
    expect(stored[3]).toMatchObject({ metric: '150047', value: 18.5, unit: 'mm[Hg]', device_clock_ms: null });
    expect(stored[4]).toMatchObject({ metric: 'RR', flags: 8, device_clock_ms: T0_MS - 8 * 86_400_000, unit: null });
    expect(stored[5]).toMatchObject({ metric: 'TEMP', flags: 8, device_clock_ms: null });
  });

  it('counts unsent readings, not rows', async () => {
    await appendRecords(40);
    store.tally.resync();
    expect(outbox.backlog().readings).toBe(400);
    expect(rowCount()).toBe(40);
  });
});
