import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Reading } from '@wardlink/shared';
import { openBufferStore, type BufferStore } from './store.js';
import { BufferWriter, type WriterOptions } from './writer.js';
import type { CommitStats } from './types.js';
import { alarmEvent, recordingLogger, tempDir, wardReadings, type TempDir } from './testing/fixtures.js';
import { ManualClock } from './testing/manual-clock.js';

let dir: TempDir;
let clock: ManualClock;
let store: BufferStore;
let other: Database.Database;
const commits: CommitStats[] = [];

beforeEach(() => {
  dir = tempDir();
  clock = new ManualClock();
  store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw-test', clock });
  // A second connection sees only what was committed.
  other = new Database(dir.file('gw.db'));
  commits.length = 0;
});
afterEach(() => {
  other.close();
  store.close();
  dir.remove();
});

const committedCount = () => other.prepare('SELECT count(*) FROM readings').pluck().get() as number;
const writer = (opts: WriterOptions = {}) => new BufferWriter(store, { onCommit: (s) => commits.push(s), ...opts });

/** Tracks a promise's outcome without awaiting it. */
function track(p: Promise<void>) {
  const t = { settled: false, error: undefined as unknown };
  p.then(
    () => (t.settled = true),
    (err: unknown) => {
      t.settled = true;
      t.error = err;
    },
  );
  return t;
}
const tick = () => new Promise((r) => setImmediate(r));
/** Real time for the commit thread to answer whatever was asked of it (the writer's own clock is manual). */
const realDelay = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Advances the manual clock step by step until `check` passes (the commit thread answers in real time). */
const advanceUntil = (stepMs: number, check: () => void) =>
  vi.waitFor(() => {
    clock.advance(stepMs);
    check();
  }, { timeout: 10_000, interval: 5 });

describe('BufferWriter group commit', () => {
  it('commits on the flush interval, and resolves appends only after the commit', async () => {
    const w = writer({ flushIntervalMs: 50, maxBatchReadings: 1000 });
    const committedWhenResolved: number[] = [];
    const promises = [0, 8, 16].map((i) => w.append(wardReadings(i, i + 8)).then(() => void committedWhenResolved.push(committedCount())));
    await realDelay(30);
    expect(committedWhenResolved).toEqual([]);
    expect(committedCount()).toBe(0);

    clock.advance(49);
    await realDelay(30);
    expect(committedCount()).toBe(0);
    clock.advance(1);
    await Promise.all(promises);
    expect(committedWhenResolved).toEqual([24, 24, 24]);
    expect(commits).toEqual([expect.objectContaining({ rows: 24, readings: 24, alarms: 0, queuedReadings: 0 })]);
    expect(store.tally.readings).toBe(24);
  });

  it('commits as soon as maxBatchReadings are queued, without waiting for the timer', async () => {
    const w = writer({ flushIntervalMs: 1000, maxBatchReadings: 100 });
    const promises = Array.from({ length: 13 }, (_, k) => w.append(wardReadings(k * 8, k * 8 + 8)));
    const appends = promises.map(track);
    // 12 appends (96 rows) fit one transaction; the 13th would pass 100 and waits for the timer.
    await Promise.all(promises.slice(0, 12));
    await realDelay(20);
    expect(commits.map((c) => c.rows)).toEqual([96]);
    expect(appends.map((a) => a.settled)).toEqual([...Array(12).fill(true), false]);
    expect(committedCount()).toBe(96);
    clock.advance(1000);
    await promises[12];
    expect(commits.map((c) => c.rows)).toEqual([96, 8]);
    expect(committedCount()).toBe(104);
  });

  it('at low rates waits up to maxCommitDelayMs for a page\'s worth (fillReadings), committing as soon as it has come', async () => {
    const w = writer({ flushIntervalMs: 10, maxCommitDelayMs: 200, fillReadings: 32, maxBatchReadings: 1000 });
    const first = track(w.append(wardReadings(0, 8)));
    clock.advance(10); // the flush interval passes with 8 of 32 readings: it waits
    await realDelay(30);
    expect(first.settled).toBe(false);
    expect(committedCount()).toBe(0);
    const more = [8, 16, 24].map((i) => w.append(wardReadings(i, i + 8)));
    await Promise.all(more); // the fill arrived: committed without waiting for the delay
    expect(first.settled).toBe(true);
    expect(commits.map((c) => c.rows)).toEqual([32]);

    const lone = track(w.append(wardReadings(32, 40)));
    clock.advance(10);
    await realDelay(20);
    clock.advance(150);
    await realDelay(30);
    expect(lone.settled).toBe(false);
    clock.advance(40); // maxCommitDelayMs after the first append: committed however few
    await vi.waitFor(() => expect(lone.settled).toBe(true));
    expect(commits.map((c) => c.rows)).toEqual([32, 8]);
    expect(() => writer({ flushIntervalMs: 50, maxCommitDelayMs: 20 })).toThrow(/maxCommitDelayMs/);
  });

  it('commits a waiting sender\'s append (prompt) at once when nothing is being committed, with what is queued', async () => {
    const w = writer({ flushIntervalMs: 1000, maxCommitDelayMs: 5000, fillReadings: 1000, maxBatchReadings: 1000 });
    const background = track(w.append(wardReadings(0, 8)));
    // No sender named (the MQTT bridge): its next message comes only after this one's ACK.
    for (let k = 1; k <= 3; k++) await w.append(wardReadings(k * 8, k * 8 + 8), { prompt: true });
    expect(background.settled).toBe(true);
    expect(commits.map((c) => c.rows)).toEqual([16, 8, 8]);
  });

  it('waits flushIntervalMs for a named sender that sends at its own pace, not for one sending back to back', async () => {
    const w = writer({ flushIntervalMs: 10, maxCommitDelayMs: 5000, fillReadings: 1000, maxBatchReadings: 1000 });
    const station = {}; // one MLLP connection carrying a ward
    const monitor = {}; // a monitor on its own serial line
    // A sender's first append waits for the interval: others may share its commit.
    const first = track(w.append(wardReadings(0, 8), { prompt: true, sender: station }));
    const other = track(w.append(wardReadings(8, 16), { prompt: true, sender: monitor }));
    await realDelay(30);
    expect([first.settled, other.settled]).toEqual([false, false]);
    clock.advance(10);
    await vi.waitFor(() => expect(first.settled && other.settled).toBe(true));
    expect(commits.map((c) => c.rows)).toEqual([16]);
    // The station sends its next message as soon as it has the ACK: committed at once.
    for (let k = 2; k <= 4; k++) await w.append(wardReadings(k * 8, k * 8 + 8), { prompt: true, sender: station });
    expect(commits.map((c) => c.rows)).toEqual([16, 8, 8, 8]);
    // The monitor's next record comes a second later: it waits to be grouped again.
    clock.advance(1000);
    const later = track(w.append(wardReadings(40, 48), { prompt: true, sender: monitor }));
    await realDelay(30);
    expect(later.settled).toBe(false);
    clock.advance(10);
    await vi.waitFor(() => expect(later.settled).toBe(true));
  });

  it('commits a waiting sender\'s append (prompt) and alarm events without waiting for maxCommitDelayMs', async () => {
    const w = writer({ flushIntervalMs: 10, maxCommitDelayMs: 200, fillReadings: 1000, maxBatchReadings: 1000 });
    const background = track(w.append(wardReadings(0, 8)));
    const waiting = track(w.append(wardReadings(8, 16), { prompt: true }));
    clock.advance(10);
    await vi.waitFor(() => expect(waiting.settled).toBe(true));
    // The group holds both: the one that could have waited rides along, nothing is reordered.
    expect(background.settled).toBe(true);
    expect(commits.map((c) => c.rows)).toEqual([16]);

    const alarm = track(w.appendAlarm(alarmEvent(1)));
    await vi.waitFor(() => expect(alarm.settled).toBe(true)); // at once: nothing was being committed

    const alone = track(w.append(wardReadings(24, 32)));
    clock.advance(10);
    await realDelay(30);
    expect(alone.settled).toBe(false); // without a waiting sender the group still waits for its page
    clock.advance(190);
    await vi.waitFor(() => expect(alone.settled).toBe(true));

    // A waiting sender that arrives after the window's flushIntervalMs has passed (the usual
    // case on a ward: quiet appends keep a window open) does not wait for its maxCommitDelayMs.
    const open = track(w.append(wardReadings(32, 40)));
    clock.advance(10);
    await realDelay(30);
    expect(open.settled).toBe(false);
    clock.advance(50);
    const late = track(w.append(wardReadings(40, 48), { prompt: true }));
    await vi.waitFor(() => expect(late.settled).toBe(true));
    expect(open.settled).toBe(true);
  });

  it('stores every field of a reading as given', async () => {
    const w = writer({ flushIntervalMs: 5 });
    const input = wardReadings(0, 16);
    const p = w.append(input);
    clock.advance(5);
    await p;
    const rows = other
      .prepare('SELECT device_id, bed_id, patient_id, metric, device_time_ms, received_at_ms, value, flags FROM readings ORDER BY id')
      .all() as Record<string, unknown>[];
    expect(rows.map((r) => [r.device_id, r.bed_id, r.patient_id, r.metric, r.device_time_ms, r.received_at_ms, r.value, r.flags])).toEqual(
      input.map((r) => [r.deviceId, r.bedId, r.patientId, r.metric, r.deviceTimeMs, r.receivedAtMs, r.value, r.flags]),
    );
  });

  it('stores alarm events once per eventId, in one group commit or across two', async () => {
    const w = writer({ flushIntervalMs: 5 });
    // The first commits at once (nothing was being committed); the rest go together after it.
    const done = Promise.all([w.appendAlarm(alarmEvent(1)), w.append(wardReadings(0, 8)), w.appendAlarm(alarmEvent(1)), w.appendAlarm(alarmEvent(2))]);
    clock.advance(5);
    await done;
    expect(other.prepare('SELECT event_id FROM alarm_events ORDER BY id').pluck().all()).toEqual(['evt-1', 'evt-2']);
    expect([commits.reduce((n, c) => n + c.readings, 0), commits.reduce((n, c) => n + c.alarms, 0)]).toEqual([8, 2]);
  });

  it('keeps the event loop turning while a large group commits on its thread', async () => {
    const w = writer({ flushIntervalMs: 5, maxBatchReadings: 200_000, maxQueuedReadings: 200_000 });
    const order: string[] = [];
    const committed = w.append(wardReadings(0, 200_000)).then(() => order.push('commit'));
    void w.flush();
    // Scheduled after the group was handed over: it runs while the thread inserts.
    const timer = realDelay(1).then(() => order.push('timer'));
    await Promise.all([committed, timer]);
    expect(order).toEqual(['timer', 'commit']);
    expect(committedCount()).toBe(200_000);
    expect(commits[0]!.latencyMs).toBeGreaterThan(1);
  });
  it('commits on its own connection: the store\'s durability, a small cache, a short wait for the lock', async () => {
    const w = writer({ flushIntervalMs: 5 });
    const value = async (pragma: string) => Object.values(((await w.commitConnectionPragma(pragma)) as Record<string, unknown>[])[0]!)[0];
    expect(await value('synchronous')).toBe(1); // NORMAL, as the store's connection
    expect(await value('journal_mode')).toBe('wal');
    expect(await value('cache_size')).toBe(-1024);
    expect(await value('busy_timeout')).toBe(100);
    expect(store.db.pragma('cache_size', { simple: true })).toBe(-8192);
    await w.close();
  });
});

describe('BufferWriter backpressure and failures', () => {
  it('waits out another process\'s write lock without blocking, holding appends back when the queue is full', async () => {
    const w = writer({ flushIntervalMs: 5, maxBatchReadings: 40, maxQueuedReadings: 80, lockRetryMs: 10, lockWaitMs: 10_000 });
    other.exec('BEGIN IMMEDIATE'); // the CLI holds the write lock
    const first = Array.from({ length: 9 }, (_, k) => track(w.append(wardReadings(k * 8, k * 8 + 8))));
    expect(w.hasCapacity()).toBe(true);
    first.push(track(w.append(wardReadings(72, 80)))); // 80 queued: full
    expect(w.hasCapacity()).toBe(false);
    const room = track(w.waitForCapacity());
    let drained = false;
    w.on('drain', () => (drained = true));
    const last = track(w.append(wardReadings(80, 88))); // 88 > 80: waits for room

    for (let i = 0; i < 10; i++) {
      clock.advance(10);
      await realDelay(5);
    }
    expect([...first, last, room].some((a) => a.settled)).toBe(false);
    expect(w.queuedReadings).toBe(88);

    other.exec('COMMIT');
    await advanceUntil(10, () => expect([...first, last, room].every((a) => a.settled && a.error === undefined)).toBe(true));
    expect(drained).toBe(true);
    expect(w.hasCapacity()).toBe(true);
    expect(committedCount()).toBe(88);
  });

  it('rejects the waiting appends with WL_BUFFER_WRITE_FAILED when the lock is held too long, then carries on', async () => {
    const logger = recordingLogger();
    const w = writer({ flushIntervalMs: 5, lockRetryMs: 10, lockWaitMs: 50, logger });
    other.exec('BEGIN IMMEDIATE');
    const stuck = track(w.append(wardReadings(0, 8)));
    await advanceUntil(10, () => expect(stuck.error).toMatchObject({ code: 'WL_BUFFER_WRITE_FAILED', detail: { sqliteCode: 'SQLITE_BUSY' } }));
    expect(logger.lines.some((l) => l.level === 'error')).toBe(true);
    other.exec('COMMIT');

    const next = w.append(wardReadings(8, 16));
    clock.advance(5);
    await next;
    expect(committedCount()).toBe(8);
  });

  it('rejects only the append whose data SQLite refuses; the rest of the transaction commits', async () => {
    const w = writer({ flushIntervalMs: 5 });
    const bad: Reading = { ...wardReadings(8, 9)[0]!, value: Number.NaN };
    const a = w.append(wardReadings(0, 8));
    const b = w.append([bad]);
    const c = w.append(wardReadings(9, 17));
    clock.advance(5);
    const [ra, rb, rc] = await Promise.allSettled([a, b, c]);
    expect(ra.status).toBe('fulfilled');
    expect(rc.status).toBe('fulfilled');
    expect(rb).toMatchObject({ status: 'rejected', reason: { code: 'WL_BUFFER_WRITE_FAILED' } });
    expect(committedCount()).toBe(16);
    expect(store.tally.readings).toBe(16);
  });

  it('rejects with WL_BUFFER_FULL when the disk is full, and recovers when space returns', async () => {
    const w = writer({ flushIntervalMs: 5, maxBatchReadings: 100_000, maxQueuedReadings: 100_000 });
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    // As if the disk had two pages left: max_page_count binds the connection that commits.
    await w.commitConnectionPragma(`max_page_count = ${pages + 2}`);
    const big = w.append(wardReadings(0, 20_000));
    clock.advance(5);
    await expect(big).rejects.toMatchObject({ code: 'WL_BUFFER_FULL' });
    expect(committedCount()).toBe(0);

    await w.commitConnectionPragma('max_page_count = 1073741823');
    const retry = w.append(wardReadings(0, 20_000));
    clock.advance(5);
    await retry;
    expect(committedCount()).toBe(20_000);
  });

  it('close() commits everything queued, then refuses new appends with WL_BUFFER_CLOSED', async () => {
    const w = writer({ flushIntervalMs: 60_000 });
    const queued = track(w.append(wardReadings(0, 8)));
    await w.close();
    await tick();
    expect(queued.settled && queued.error === undefined).toBe(true);
    expect(committedCount()).toBe(8);
    await expect(w.append(wardReadings(8, 16))).rejects.toMatchObject({ code: 'WL_BUFFER_CLOSED' });
    await expect(w.waitForCapacity()).rejects.toMatchObject({ code: 'WL_BUFFER_CLOSED' });
    expect(clock.pendingTimers).toBe(0);
  });

  it('is ready once the commit thread has the file open, and says why when it cannot open it', async () => {
    await expect(writer().ready()).resolves.toBeUndefined();
    const gone = openBufferStore({ path: dir.file('gone.db'), gatewayId: 'gw-test', clock });
    try {
      dir.remove(); // the folder and its files are gone before the commit thread opens the file
      const w = new BufferWriter(gone, { flushIntervalMs: 5 });
      await expect(w.ready()).rejects.toMatchObject({ code: 'WL_BUFFER_WRITE_FAILED', message: expect.stringMatching(/directory does not exist/) });
    } finally {
      gone.close();
    }
  });

  it('checks its options', () => {
    expect(() => writer({ maxBatchReadings: 0 })).toThrow(expect.objectContaining({ code: 'WL_BUFFER_BAD_OPTION' }));
    expect(() => writer({ maxBatchReadings: 1000, maxQueuedReadings: 10 })).toThrow(/maxQueuedReadings/);
  });
});

describe('a waiting sender\'s appends (review of fee659e)', () => {
  it('a back-to-back sender\'s record that pipeline.append splits in two (own-timed NIBP + sharedTime readings) is committed at once, in one commit', async () => {
    const w = writer({ flushIntervalMs: 10, maxCommitDelayMs: 5000, fillReadings: 1000, maxBatchReadings: 1000 });
    const station = {};
    const first = track(w.append(wardReadings(0, 8), { prompt: true, sender: station }));
    clock.advance(10);
    await vi.waitFor(() => expect(first.settled).toBe(true));
    // The station's next record, sent as soon as it had its ACK. pipeline.ts `append` gives
    // a sharedTime record with an own-timed NIBP two appends, in one tick: own, then atShared.
    const own = track(w.append(wardReadings(8, 11), { dedup: true, prompt: true, sender: station }));
    const shared = track(w.append(wardReadings(11, 16), { sharedTimeMs: 1_000, prompt: true, sender: station }));
    await realDelay(100); // no clock advance: a back-to-back record should not need one
    expect([own.settled, shared.settled]).toEqual([true, true]);
    expect(commits.map((c) => c.rows)).toEqual([8, 8]);
  });

  it('the same with no sender named (the MQTT bridge)', async () => {
    const w = writer({ flushIntervalMs: 10, maxCommitDelayMs: 5000, fillReadings: 1000, maxBatchReadings: 1000 });
    const own = track(w.append(wardReadings(0, 3), { dedup: true, prompt: true }));
    const shared = track(w.append(wardReadings(3, 8), { sharedTimeMs: 1_000, prompt: true }));
    await realDelay(100);
    expect([own.settled, shared.settled]).toEqual([true, true]);
  });

  it('a back-to-back sender arriving during another commit is committed right after it, not flushIntervalMs later', async () => {
    const w = writer({ flushIntervalMs: 10, maxCommitDelayMs: 5000, fillReadings: 1000, maxBatchReadings: 1000 });
    const station = {};
    const first = track(w.append(wardReadings(0, 8), { prompt: true, sender: station }));
    clock.advance(10);
    await vi.waitFor(() => expect(first.settled).toBe(true));
    // An alarm event / bridge message commits at once; the station's next message lands while it runs.
    const bridge = track(w.append(wardReadings(8, 16), { prompt: true }));
    const next = track(w.append(wardReadings(16, 24), { prompt: true, sender: station }));
    await vi.waitFor(() => expect(bridge.settled).toBe(true));
    await realDelay(100); // the commit in flight ended long ago (real time); the clock stands still
    expect(next.settled).toBe(true);
  });

  it('a named sender at its own pace waits flushIntervalMs, not maxCommitDelayMs, after a commit split at maxBatchReadings', async () => {
    const w = writer({ flushIntervalMs: 10, maxCommitDelayMs: 5000, fillReadings: 1000, maxBatchReadings: 16 });
    const monitor = {};
    const a = track(w.append(wardReadings(0, 8)));
    clock.advance(10); // the window's flushIntervalMs passes with few readings: it waits for maxCommitDelayMs
    await realDelay(20);
    expect(a.settled).toBe(false);
    const b = track(w.append(wardReadings(8, 12)));
    const c = track(w.append(wardReadings(12, 20))); // 20 >= maxBatchReadings: A+B (12) committed, C left queued
    await vi.waitFor(() => expect(a.settled && b.settled).toBe(true));
    expect(c.settled).toBe(false);
    // A monitor's record (HL7 over its own serial line), once a second.
    const mon = track(w.append(wardReadings(20, 24), { prompt: true, sender: monitor }));
    clock.advance(10);
    await realDelay(50);
    clock.advance(10);
    await realDelay(50);
    expect(mon.settled).toBe(true);
    clock.advance(5000);
    await vi.waitFor(() => expect(mon.settled).toBe(true));
  });
});
