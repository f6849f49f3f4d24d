import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '@wardlink/shared';
import { BufferMaintenance } from './maintenance.js';
import { Outbox } from './outbox.js';
import { openBufferStore, type BufferStore } from './store.js';
import { BufferWriter } from './writer.js';
import { prepareTrendReader } from './trend-index.js';
import { tempDir, wardReadings, type TempDir } from './testing/fixtures.js';

// Found in review: ids were numbered from the newest row LEFT, so after the newest rows
// were pruned new readings took ids that an outbox span or the trend mark still named.
const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2025, 0, 6);
let dir: TempDir;
let store: BufferStore;
let writer: BufferWriter;
let outbox: Outbox;

beforeEach(() => {
  dir = tempDir();
  store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test' });
  writer = new BufferWriter(store, { flushIntervalMs: 5 });
  outbox = new Outbox(store);
});
afterEach(() => {
  store.close();
  dir.remove();
});

async function append(readings: Reading[]): Promise<void> {
  const p = writer.append(readings);
  await writer.flush();
  await p;
}

function reopen(): void {
  store.close();
  store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test' });
  writer = new BufferWriter(store, { flushIntervalMs: 5 });
  outbox = new Outbox(store);
}

describe('record ids after the newest rows are gone', () => {
  for (const restart of [false, true]) {
    it(`sends readings stored after a sent batch at the top was pruned${restart ? ', across a restart' : ''}`, async () => {
      await append(wardReadings(0, 100).map((r) => ({ ...r, receivedAtMs: T0 })));
      const quarantined = outbox.nextBatch({ maxReadings: 50, nowMs: T0 })!;
      outbox.quarantine(quarantined.seq, 'WL_CODEC_X: refused', T0); // kept for IT: its rows stay
      const sent = outbox.nextBatch({ maxReadings: 50, nowMs: T0 })!;
      outbox.markSent(sent.seq, T0);
      await new BufferMaintenance(store, { chunkRows: 1000 }).runHousekeeping(T0 + 25 * HOUR_MS); // prunes the sent batch
      if (restart) reopen();

      const later = T0 + 25 * HOUR_MS;
      await append(wardReadings(100, 130).map((r) => ({ ...r, receivedAtMs: later })));
      const next = outbox.nextBatch({ maxReadings: 5000, nowMs: later });
      expect(next?.readings).toHaveLength(30);
      expect(next?.readings.map((r) => r.receivedAtMs)).toEqual(Array(30).fill(later));
    });
  }

  it('shows readings stored after the whole buffer was pruned in the trend view', async () => {
    await append(wardReadings(0, 100).map((r) => ({ ...r, receivedAtMs: T0 })));
    const maintenance = new BufferMaintenance(store, { chunkRows: 1000 });
    await maintenance.runHousekeeping(T0); // the trend index catches up: its mark is the top id
    for (let b = outbox.nextBatch({ maxReadings: 5000, nowMs: T0 }); b; b = outbox.nextBatch({ maxReadings: 5000, nowMs: T0 })) outbox.markSent(b.seq, T0);
    await maintenance.runHousekeeping(T0 + 25 * HOUR_MS); // everything pruned
    expect(store.db.prepare('SELECT count(*) FROM reading_records').pluck().get()).toBe(0);

    const at = T0 + 25 * HOUR_MS;
    const fresh = wardReadings(0, 1).map((r) => ({ ...r, receivedAtMs: at, deviceTimeMs: at }));
    await append(fresh);
    const reader = prepareTrendReader(store.db);
    expect([...reader.records(fresh[0]!.bedId, T0, T0 + 30 * HOUR_MS)]).toHaveLength(1); // before housekeeping indexes it
    await maintenance.runHousekeeping(at + 30_000);
    expect([...reader.records(fresh[0]!.bedId, T0, T0 + 30 * HOUR_MS)]).toHaveLength(1); // and after
  });
});
