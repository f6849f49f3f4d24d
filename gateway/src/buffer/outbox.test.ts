import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Reading } from '@wardlink/shared';
import { Outbox } from './outbox.js';
import { openBufferStore, type BufferStore } from './store.js';
import { BufferWriter } from './writer.js';
import { alarmEvent, tempDir, wardReadings, type TempDir } from './testing/fixtures.js';
import { ManualClock } from './testing/manual-clock.js';

let dir: TempDir;
let clock: ManualClock;
let store: BufferStore;
let writer: BufferWriter;
let outbox: Outbox;

function open(): void {
  store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test', clock });
  writer = new BufferWriter(store, { flushIntervalMs: 5 });
  outbox = new Outbox(store);
}
beforeEach(() => {
  dir = tempDir();
  clock = new ManualClock();
  open();
});
afterEach(async () => {
  await writer.close(); // its commit connection lives on the commit thread until closed
  store.close();
  dir.remove();
});

async function append(readings: Reading[]): Promise<void> {
  const p = writer.append(readings);
  await writer.flush();
  await p;
}
const key = (r: Reading) => `${r.receivedAtMs}`;

describe('Outbox.nextBatch', () => {
  it('returns null when there is nothing to send', () => {
    expect(outbox.nextBatch({ maxReadings: 100 })).toBeNull();
    expect(outbox.pendingCount()).toBe(0);
  });

  it('puts every unsent alarm event first, then readings in local order, under seq 1, 2, ...', async () => {
    await append(wardReadings(0, 250));
    const alarmsIn = [alarmEvent(3), alarmEvent(1), alarmEvent(2)];
    for (const a of alarmsIn) void writer.appendAlarm(a);
    await writer.flush();

    const b1 = outbox.nextBatch({ maxReadings: 100, inFlight: [] })!;
    expect(b1.seq).toBe(1);
    expect(b1.gatewayId).toBe('gw-test');
    expect(b1.createdAtMs).toBe(clock.now());
    expect(b1.alarms.map((a) => a.eventId)).toEqual(['evt-1', 'evt-2', 'evt-3']); // by time
    expect(b1.alarms[1]).toEqual(alarmEvent(2));
    expect(b1.readings).toEqual(wardReadings(0, 100));

    const b2 = outbox.nextBatch({ maxReadings: 100, inFlight: [1] })!;
    expect(b2.seq).toBe(2);
    expect(b2.alarms).toEqual([]);
    expect(b2.readings).toEqual(wardReadings(100, 200));
    expect(outbox.pendingSeqs()).toEqual([1, 2]);
  });

  it('returns a pending batch again with the same seq and content, also after a restart', async () => {
    await append(wardReadings(0, 300));
    void writer.appendAlarm(alarmEvent(7));
    await writer.flush();
    const built = outbox.nextBatch({ maxReadings: 120 })!;
    outbox.noteAttempt(built.seq, 'connect timeout');

    // More data arrives; the pending batch must not change.
    await append(wardReadings(300, 400));
    const again = outbox.nextBatch({ maxReadings: 500 })!;
    expect(again).toEqual({ ...built, attempts: 1 });

    store.close(); // as after a crash and restart
    clock.advance(60_000);
    open();
    const afterRestart = outbox.nextBatch({ maxReadings: 500 })!;
    expect(afterRestart).toEqual({ ...built, attempts: 1 });
    const fresh = outbox.nextBatch({ maxReadings: 500, inFlight: [built.seq] })!;
    expect(fresh.seq).toBe(built.seq + 1);
    expect(fresh.readings).toEqual(wardReadings(120, 400));
  });

  it('builds live batches from the newest readings and backfill from the oldest, never overlapping', async () => {
    await append(wardReadings(0, 1000));
    const live = outbox.nextBatch({ maxReadings: 100, order: 'newest' })!;
    expect(live.order).toBe('newest');
    expect(live.readings).toEqual(wardReadings(900, 1000));
    const backfill = outbox.nextBatch({ maxReadings: 100, order: 'oldest', inFlight: [live.seq] })!;
    expect(backfill.readings).toEqual(wardReadings(0, 100));
    expect(backfill.seq).toBe(live.seq + 1);
  });

  it('waits for maxAgeMs before building a batch that is not full, unless it carries an alarm', async () => {
    await append(wardReadings(0, 10).map((r) => ({ ...r, receivedAtMs: clock.now() })));
    expect(outbox.nextBatch({ maxReadings: 100, maxAgeMs: 1000 })).toBeNull();
    clock.advance(999);
    expect(outbox.nextBatch({ maxReadings: 100, maxAgeMs: 1000 })).toBeNull();
    clock.advance(1);
    expect(outbox.nextBatch({ maxReadings: 100, maxAgeMs: 1000 })?.readings).toHaveLength(10);

    await append(wardReadings(10, 20).map((r) => ({ ...r, receivedAtMs: clock.now() })));
    void writer.appendAlarm(alarmEvent(1));
    await writer.flush();
    const withAlarm = outbox.nextBatch({ maxReadings: 100, maxAgeMs: 1000, inFlight: [1] })!;
    expect(withAlarm.alarms).toHaveLength(1);
    expect(withAlarm.readings).toHaveLength(10);
  });

  it('answers a look at readings too young for a batch without the write lock', async () => {
    await append(wardReadings(0, 10).map((r) => ({ ...r, receivedAtMs: clock.now() })));
    // Another connection (the commit thread, the CLI) holds the write lock meanwhile.
    const other = new Database(dir.file('gw.db'));
    other.pragma('busy_timeout = 0');
    other.prepare('BEGIN IMMEDIATE').run();
    store.db.pragma('busy_timeout = 0');
    try {
      expect(outbox.nextBatch({ maxReadings: 100, maxAgeMs: 1000 })).toBeNull();
      clock.advance(1000);
      // Due now: building one takes the lock, and says so when it cannot.
      expect(() => outbox.nextBatch({ maxReadings: 100, maxAgeMs: 1000 })).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
    } finally {
      other.prepare('ROLLBACK').run();
      other.close();
    }
    expect(outbox.nextBatch({ maxReadings: 100, maxAgeMs: 1000 })?.readings).toHaveLength(10);
  });

  it('builds a full batch at once however young its readings, taking the rest later', async () => {
    await append(wardReadings(0, 15).map((r) => ({ ...r, receivedAtMs: clock.now() })));
    expect(outbox.nextBatch({ maxReadings: 10, maxAgeMs: 1000 })?.readings).toEqual(wardReadings(0, 10).map((r) => ({ ...r, receivedAtMs: clock.now() })));
    expect(outbox.nextBatch({ maxReadings: 10, maxAgeMs: 1000, inFlight: [1] })).toBeNull();
    clock.advance(1000);
    expect(outbox.nextBatch({ maxReadings: 10, maxAgeMs: 1000, inFlight: [1] })?.readings).toHaveLength(5);
  });

  it('checks its options', () => {
    expect(() => outbox.nextBatch({ maxReadings: -1 })).toThrow(expect.objectContaining({ code: 'WL_BUFFER_BAD_OPTION' }));
    expect(() => outbox.nextBatch({ maxReadings: 1, order: 'random' as never })).toThrow(/order/);
  });
});

describe('Outbox settlement', () => {
  it('markSent marks the batch\'s rows uploaded, once; unknown seqs are refused', async () => {
    await append(wardReadings(0, 50));
    void writer.appendAlarm(alarmEvent(1));
    await writer.flush();
    const b = outbox.nextBatch({ maxReadings: 30 })!;
    expect(outbox.backlog()).toMatchObject({ readings: 50, alarms: 1 });

    expect(outbox.markSent(b.seq, 123)).toBe(true);
    expect(outbox.markSent(b.seq, 456)).toBe(false);
    const db = store.db;
    expect(db.prepare('SELECT count(*) FROM readings WHERE uploaded_at_ms = 123').pluck().get()).toBe(30);
    expect(db.prepare('SELECT count(*) FROM readings WHERE uploaded_at_ms IS NULL').pluck().get()).toBe(20);
    expect(db.prepare('SELECT uploaded_at_ms FROM alarm_events').pluck().get()).toBe(123);
    expect(outbox.pendingCount()).toBe(0);
    expect(outbox.backlog()).toEqual({ readings: 20, alarms: 0, oldestMs: wardReadings(30, 31)[0]!.receivedAtMs });
    expect(store.tally.resync()).toBe(20);
    expect(() => outbox.markSent(999)).toThrow(expect.objectContaining({ code: 'WL_BUFFER_UNKNOWN_BATCH' }));
  });

  it('quarantine sets a batch aside for good, keeping its content for IT', async () => {
    await append(wardReadings(0, 40));
    const b = outbox.nextBatch({ maxReadings: 25 })!;
    expect(outbox.quarantine(b.seq, 'HTTP 400 WL_CODEC_CHECKSUM')).toBe(true);
    expect(outbox.markSent(b.seq)).toBe(false);

    const next = outbox.nextBatch({ maxReadings: 100 })!;
    expect(next.seq).toBe(b.seq + 1);
    expect(next.readings).toEqual(wardReadings(25, 40));
    expect(outbox.quarantinedBatches()).toEqual([
      { seq: b.seq, createdAtMs: b.createdAtMs, readings: 25, alarms: 0, reason: 'HTTP 400 WL_CODEC_CHECKSUM', quarantinedAtMs: clock.now() },
    ]);
    expect(outbox.loadBatch(b.seq).readings).toEqual(wardReadings(0, 25));
    expect(outbox.backlog().readings).toBe(15);
  });

  it('sends every reading exactly once whatever the mix of live, backfill, retries and restarts', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ op: fc.constant('append' as const), n: fc.integer({ min: 1, max: 60 }) }),
            fc.record({ op: fc.constant('batch' as const), order: fc.constantFrom('oldest' as const, 'newest' as const), max: fc.integer({ min: 1, max: 40 }) }),
            fc.record({ op: fc.constant('ack' as const), pick: fc.nat() }),
            fc.record({ op: fc.constant('restart' as const) }),
          ),
          { maxLength: 40 },
        ),
        async (ops) => {
          await writer.close();
          store.close();
          dir.remove();
          dir = tempDir();
          open();
          let appended = 0;
          const inFlight = new Map<number, string[]>();
          const delivered: string[] = [];
          for (const step of ops) {
            if (step.op === 'append') {
              await append(wardReadings(appended, appended + step.n));
              appended += step.n;
            } else if (step.op === 'batch') {
              const b = outbox.nextBatch({ maxReadings: step.max, order: step.order, inFlight: inFlight.keys() });
              if (b) inFlight.set(b.seq, b.readings.map(key));
            } else if (step.op === 'ack' && inFlight.size > 0) {
              const seq = [...inFlight.keys()][step.pick % inFlight.size]!;
              expect(outbox.markSent(seq)).toBe(true);
              delivered.push(...inFlight.get(seq)!);
              inFlight.delete(seq);
            } else if (step.op === 'restart') {
              await writer.close();
              store.close();
              open();
              inFlight.clear(); // the uplink forgets; pending batches come back from disk
            }
          }
          // Drain everything.
          for (let b = outbox.nextBatch({ maxReadings: 50 }); b; b = outbox.nextBatch({ maxReadings: 50 })) {
            outbox.markSent(b.seq);
            delivered.push(...b.readings.map(key));
          }
          expect(delivered.length).toBe(appended);
          expect(new Set(delivered).size).toBe(appended);
          expect(store.tally.readings).toBe(0);
          // Batched ranges merge once no unbatched row lies between them (outbox-spans.ts).
          expect(store.db.prepare('SELECT count(*) FROM outbox_spans').pluck().get()).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 40 },
    );
  });
});
