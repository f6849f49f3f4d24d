import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '@wardlink/shared';
import { BufferCap } from './eviction.js';
import { Outbox } from './outbox.js';
import { openBufferStore, type BufferStore } from './store.js';
import { BufferWriter } from './writer.js';
import { alarmEvent, recordingLogger, tempDir, wardReadings, type RecordingLogger, type TempDir } from './testing/fixtures.js';

let dir: TempDir;
let store: BufferStore;
let writer: BufferWriter;
let outbox: Outbox;
let logger: RecordingLogger;

beforeEach(() => {
  dir = tempDir();
  logger = recordingLogger();
  store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test', logger });
  writer = new BufferWriter(store, { flushIntervalMs: 5, maxBatchReadings: 5000 });
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
async function appendAlarms(n: number): Promise<void> {
  for (let i = 0; i < n; i++) void writer.appendAlarm(alarmEvent(i));
  await writer.flush();
}
const count = (sql: string, ...args: unknown[]) => store.db.prepare(sql).pluck().get(...args) as number;
const probeBytes = () => new BufferCap(store, { maxBytes: 1 << 30 }).usedBytes();

describe('BufferCap', () => {
  it('reports usage: used pages, the cap, unsent readings and the oldest unsent time', async () => {
    await append(wardReadings(0, 1000));
    const cap = new BufferCap(store, { maxBytes: 10 * 1024 * 1024 });
    const usage = cap.bufferUsage();
    const pages = (store.db.pragma('page_count', { simple: true }) as number) - (store.db.pragma('freelist_count', { simple: true }) as number);
    expect(usage.bytes).toBe(pages * (store.db.pragma('page_size', { simple: true }) as number));
    expect(usage).toMatchObject({ maxBytes: 10 * 1024 * 1024, unsentReadings: 1000, oldestUnsentMs: wardReadings(0, 1)[0]!.receivedAtMs });
    expect(usage.fraction).toBeCloseTo(usage.bytes / (10 * 1024 * 1024), 10);
    expect(await cap.enforce()).toBeNull();
  });

  it('keeps uploaded readings under 75% of the cap, evicting the oldest, and touches nothing unsent', async () => {
    await append(wardReadings(0, 30_000));
    for (let b = outbox.nextBatch({ maxReadings: 10_000 }); b; b = outbox.nextBatch({ maxReadings: 10_000 })) outbox.markSent(b.seq);
    await append(wardReadings(30_000, 32_000));
    const used = probeBytes();
    const cap = new BufferCap(store, { maxBytes: Math.floor(used / 0.9) }); // 90% full, all but 2,000 uploaded

    const round = (await cap.enforce())!;
    expect(cap.usedBytes()).toBeLessThanOrEqual(0.7 * cap.maxBytes);
    expect(round).toMatchObject({ unsentReadings: 0, quarantinedReadings: 0, evictedBatches: 0 });
    expect(round.uploadedReadings).toBeGreaterThan(0);
    expect(round.uploadedReadings).toBeLessThan(30_000);
    // Oldest first: what is left of the uploaded rows is the newest of them.
    expect(count('SELECT min(id) FROM readings WHERE uploaded_at_ms IS NOT NULL')).toBe(round.uploadedReadings + 1);
    expect(count('SELECT count(*) FROM readings WHERE uploaded_at_ms IS NULL')).toBe(2000);
    expect(logger.lines.find((l) => l.msg === 'buffer eviction dropped uploaded readings')?.obj).toMatchObject({ uploadedReadings: round.uploadedReadings });
  });

  it('over the cap: uploaded, then quarantined, then the oldest unbatched; pending batches and alarms stay', async () => {
    await append(wardReadings(0, 10_000)); // A: uploaded
    outbox.markSent(outbox.nextBatch({ maxReadings: 10_000 })!.seq);
    await append(wardReadings(10_000, 14_000)); // B: quarantined
    const quarantined = outbox.nextBatch({ maxReadings: 4000 })!;
    outbox.quarantine(quarantined.seq, 'HTTP 400');
    await append(wardReadings(14_000, 18_000)); // C: pending, in flight
    await appendAlarms(50);
    const pending = outbox.nextBatch({ maxReadings: 4000 })!;
    await append(wardReadings(18_000, 38_000)); // D: unbatched backlog
    const cap = new BufferCap(store, { maxBytes: Math.floor(probeBytes() * 0.5) });

    const round = (await cap.enforce())!;
    expect(cap.usedBytes()).toBeLessThanOrEqual(cap.maxBytes);
    expect(round).toMatchObject({ uploadedReadings: 10_000, quarantinedReadings: 4000, evictedBatches: 1 });
    expect(round.unsentReadings).toBeGreaterThan(0);
    expect(round.unsentReadings).toBeLessThan(20_000);
    expect(count('SELECT min(id) FROM readings WHERE batch_seq IS NULL')).toBe(18_000 + round.unsentReadings + 1);
    expect(count("SELECT count(*) FROM outbox_batches WHERE state = 'evicted'")).toBe(1);
    expect(outbox.loadBatch(pending.seq)).toEqual(pending); // unchanged, still pending
    expect(count('SELECT count(*) FROM alarm_events')).toBe(50);
    expect(store.tally.readings).toBe(store.tally.resync());
    expect(cap.counters()).toEqual(round);
    expect(logger.lines.some((l) => l.level === 'warn' && l.msg === 'buffer eviction dropped unsent readings to stay under the byte cap')).toBe(true);
  });

  it('gives up whole pending batches last, requeueing their alarm events, and never evicts alarms', async () => {
    await append(wardReadings(0, 10_000));
    await appendAlarms(20);
    const first = outbox.nextBatch({ maxReadings: 10_000 })!;
    await append(wardReadings(10_000, 20_000));
    const second = outbox.nextBatch({ maxReadings: 10_000, inFlight: [first.seq] })!;
    expect(first.alarms).toHaveLength(20);
    const cap = new BufferCap(store, { maxBytes: Math.floor(probeBytes() * 0.7) });

    const round = (await cap.enforce())!;
    expect(round).toMatchObject({ unsentReadings: 10_000, evictedBatches: 1, uploadedReadings: 0 });
    expect(cap.usedBytes()).toBeLessThanOrEqual(cap.maxBytes);
    expect(outbox.markSent(first.seq)).toBe(false); // the uplink's late 2xx changes nothing
    expect(outbox.pendingSeqs()).toEqual([second.seq]);
    const requeued = outbox.nextBatch({ maxReadings: 100, inFlight: [second.seq] })!;
    expect(requeued.seq).toBeGreaterThan(second.seq);
    expect(requeued.alarms).toEqual(first.alarms);
    expect(requeued.readings).toEqual([]);
    expect(count('SELECT count(*) FROM alarm_events')).toBe(20);
  });

  it('logs an error when only alarm events are left over the cap', async () => {
    await appendAlarms(2000);
    const cap = new BufferCap(store, { maxBytes: 65_536 });
    expect(cap.usedBytes()).toBeGreaterThan(65_536);
    expect(await cap.enforce()).toBeNull();
    expect(count('SELECT count(*) FROM alarm_events')).toBe(2000);
    expect(logger.lines.some((l) => l.level === 'error' && /nothing left to evict/.test(l.msg ?? ''))).toBe(true);
  });
});
