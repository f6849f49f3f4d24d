import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QualityFlag, type Reading } from '@wardlink/shared';
import { createBatchCommitter } from './commit-batch.js';
import { RecentRecords, type RecentEntry } from './recent-records.js';
import { openBufferStore, type BufferStore } from './store.js';
import { tempDir, type TempDir } from './testing/fixtures.js';
import { BufferWriter } from './writer.js';

const T = Date.UTC(2026, 11, 5, 8);
const reading = (over: Partial<Reading> = {}): Reading => ({ gatewayId: 'gw', deviceId: 'mon-1', bedId: 'bed-1', patientId: 'P1', metric: 'HR', deviceTimeMs: T, receivedAtMs: T + 20, value: 72, flags: 0, ...over });

describe('RecentRecords', () => {
  it('drops a copy, keeps another metric at the same time, and a copy inside one transaction', () => {
    const recent = new RecentRecords(60_000);
    let overlay = new Map<string, RecentEntry>();
    expect(recent.filter([reading(), reading({ metric: 'SPO2' })], overlay).dropped).toBe(0);
    expect(recent.filter([reading()], overlay)).toEqual({ kept: [], dropped: 1, retimed: 0 }); // same group commit
    recent.commit(overlay);
    overlay = new Map();
    expect(recent.filter([reading(), reading({ metric: 'NIBP_SYS' })], overlay)).toEqual({ kept: [reading({ metric: 'NIBP_SYS' })], dropped: 1, retimed: 0 });
    // A suspect reading is known by the device's own time, not the receive time it is filed at.
    const suspect = reading({ deviceTimeMs: T + 5000, receivedAtMs: T + 5000, flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: T - 8 * 86_400_000 });
    expect(recent.filter([suspect], overlay).dropped).toBe(0);
    expect(recent.filter([{ ...suspect, deviceTimeMs: T + 9000, receivedAtMs: T + 9000 }], overlay).dropped).toBe(1);
  });

  it('tells apart, in one call, two times of one device and two devices at one time', () => {
    const recent = new RecentRecords(60_000);
    const overlay = new Map<string, RecentEntry>();
    const batch = [reading(), reading({ deviceTimeMs: T + 1000 }), reading({ deviceId: 'mon-2' }), reading({ deviceId: 'mon-2', deviceTimeMs: T + 1000 }), reading()];
    expect(recent.filter(batch, overlay)).toEqual({ kept: batch.slice(0, 4), dropped: 1, retimed: 0 });
    recent.commit(overlay);
    expect(recent.filter([reading({ deviceId: 'mon-3' }), reading({ deviceTimeMs: T + 2000 }), reading({ deviceId: 'mon-2', deviceTimeMs: T + 1000 })], new Map()).dropped).toBe(1);
  });

  it('keeps a record at a stored time with another value, filed at its receive time; its copy is dropped', () => {
    const recent = new RecentRecords(60_000);
    let overlay = new Map<string, RecentEntry>();
    recent.filter([reading(), reading({ metric: 'SPO2', value: 97 })], overlay);
    recent.commit(overlay);
    overlay = new Map();
    // The monitor's clock was set back onto T: HR is new, SPO2 repeats 97; the record is
    // a new measurement, both readings kept, at the receive time, 1 ms apart per record.
    const again = [reading({ value: 75, receivedAtMs: T + 40_000 }), reading({ metric: 'SPO2', value: 97, receivedAtMs: T + 40_000 })];
    const next = [reading({ deviceTimeMs: T + 1000, value: 76, receivedAtMs: T + 40_000 })];
    const out = recent.filter([...again, ...next], overlay);
    expect([out.dropped, out.retimed]).toEqual([0, 2]);
    expect(out.kept.map((r) => [r.metric, r.value, r.deviceTimeMs, r.deviceClockMs, r.flags])).toEqual([
      ['HR', 75, T + 40_000, T, QualityFlag.CLOCK_SUSPECT],
      ['SPO2', 97, T + 40_000, T, QualityFlag.CLOCK_SUSPECT],
      ['HR', 76, T + 1000, undefined, 0], // a time not used before: as it came
    ]);
    recent.commit(overlay);
    overlay = new Map();
    // The copies of either record at T are dropped; a third value is kept, 1 ms later.
    const copies = [reading({ value: 75 }), reading({ metric: 'SPO2', value: 97 }), reading({ value: 72 })];
    expect(copies.map((r) => recent.filter([r], overlay).dropped)).toEqual([1, 1, 1]);
    const third = recent.filter([reading({ value: 80, receivedAtMs: T + 40_000 })], overlay);
    expect([third.dropped, third.retimed, third.kept[0]!.deviceTimeMs]).toEqual([0, 1, T + 40_001]);
    // A suspect reading (filed at its receive time already) is kept where it is.
    const suspect = reading({ value: 90, deviceTimeMs: T + 50_000, receivedAtMs: T + 50_000, flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: T });
    expect(recent.filter([suspect], overlay)).toEqual({ kept: [suspect], dropped: 0, retimed: 0 });
    expect(suspect.deviceTimeMs).toBe(T + 50_000);
  });

  it('keeps what was received within the window, to its edge, and a receive time of NaN does not pin it', () => {
    const recent = new RecentRecords(60_000);
    let overlay = new Map<string, RecentEntry>();
    recent.filter([reading({ receivedAtMs: Number.NaN, deviceTimeMs: T - 1000 }), reading({ receivedAtMs: T })], overlay);
    recent.commit(overlay);
    overlay = new Map();
    recent.filter([reading({ deviceTimeMs: T + 60_000, receivedAtMs: T + 60_000 })], overlay);
    recent.commit(overlay);
    expect(recent.filter([reading()], new Map()).dropped).toBe(1); // received exactly a window ago: still known
    overlay = new Map();
    recent.filter([reading({ deviceTimeMs: T + 60_001, receivedAtMs: T + 60_001 })], overlay);
    recent.commit(overlay);
    expect(recent.filter([reading()], new Map()).dropped).toBe(0);
    expect(recent.size).toBe(2);
  });

  describe('a record at a stored time with another value (review of 62db3f0)', () => {
    const N = T - 5 * 60_000; // an NIBP's own time (OBX-14)
    const R = T + 40_000;
    const stored = (recent: RecentRecords, readings: Reading[]) => {
      const overlay = new Map<string, RecentEntry>();
      recent.filter(readings, overlay);
      recent.commit(overlay);
    };

    it('is kept whole around an own-timed NIBP, which is judged alone (a copy: dropped)', () => {
      const recent = new RecentRecords(600_000);
      stored(recent, [reading({ metric: 'SPO2', value: 97 }), reading({ metric: 'NIBP_SYS', value: 120, deviceTimeMs: N }), reading({ metric: 'PR', value: 88 })]);
      const again = [reading({ metric: 'SPO2', value: 95, receivedAtMs: R }), reading({ metric: 'NIBP_SYS', value: 120, deviceTimeMs: N, receivedAtMs: R }), reading({ metric: 'PR', value: 88, receivedAtMs: R })];
      const out = recent.filter(again, new Map());
      expect(out.kept.map((r) => [r.metric, r.deviceTimeMs])).toEqual([
        ['SPO2', R],
        ['PR', R],
      ]);
      expect([out.dropped, out.retimed]).toEqual([1, 2]);
    });

    it("is kept whole with a second channel's readings (another device id) among its own", () => {
      const recent = new RecentRecords(600_000);
      const ch2 = 'mon-1~1.1.2.150456';
      stored(recent, [reading({ metric: 'SPO2', value: 97 }), reading({ deviceId: ch2, metric: 'SPO2', value: 96 }), reading({ metric: 'PR', value: 88 })]);
      const again = [reading({ metric: 'SPO2', value: 95, receivedAtMs: R }), reading({ deviceId: ch2, metric: 'SPO2', value: 96, receivedAtMs: R }), reading({ metric: 'PR', value: 88, receivedAtMs: R })];
      const out = recent.filter(again, new Map());
      expect(out.kept.map((r) => `${r.deviceId}/${r.metric}`)).toEqual(['mon-1/SPO2', `${ch2}/SPO2`, 'mon-1/PR']);
    });

    it('is filed clear of a reading of its device stored at its receive time (a clock that ran fast, then was set back)', () => {
      const recent = new RecentRecords(600_000);
      stored(recent, [reading({ value: 72 })]);
      stored(recent, [reading({ value: 70, deviceTimeMs: R, receivedAtMs: T + 20 })]);
      const out = recent.filter([reading({ value: 75, receivedAtMs: R })], new Map());
      expect([out.retimed, out.kept[0]!.deviceTimeMs]).toEqual([1, R + 1]);
    });

    it('is filed clear of a suspect record of its device filed at its receive time in the same append', () => {
      const recent = new RecentRecords(600_000);
      stored(recent, [reading({ value: 72 })]);
      const suspect = reading({ value: 80, deviceTimeMs: R, receivedAtMs: R, flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: T - 3_600_000 });
      const out = recent.filter([suspect, reading({ value: 75, receivedAtMs: R })], new Map());
      expect(out.kept.map((r) => r.deviceTimeMs)).toEqual([R, R + 1]);
    });

    it('is filed after a suspect record of its device filed at its receive time, in an earlier commit or another append of the group', () => {
      for (const sameGroup of [false, true]) {
        const recent = new RecentRecords(600_000);
        stored(recent, [reading({ value: 72 })]);
        const overlay = new Map<string, RecentEntry>();
        const suspect = [reading({ value: 80, deviceTimeMs: R, receivedAtMs: R, flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: T + 3_600_000 })];
        if (sameGroup) recent.filter(suspect, overlay);
        else stored(recent, suspect);
        const out = recent.filter([reading({ value: 75, receivedAtMs: R })], overlay);
        expect([out.retimed, out.kept[0]!.deviceTimeMs]).toEqual([1, R + 1]);
      }
    });

    it('stored apart from the filter at a time of its own, is known by the shared time: its re-sent copy is dropped', () => {
      const recent = new RecentRecords(600_000);
      stored(recent, [reading({ value: 72 }), reading({ metric: 'RR', value: 14 })]);
      // The second record of a clock stamped to the second: filed at T + 480, no filter.
      let overlay = new Map<string, RecentEntry>();
      recent.register([reading({ value: 75, deviceTimeMs: T + 480 }), reading({ metric: 'RR', value: 14, deviceTimeMs: T + 480 })], overlay, T);
      recent.commit(overlay);
      overlay = new Map();
      // Its copy comes at T (device-clock.ts gives it the first record's verdict).
      const out = recent.filter([reading({ value: 75, receivedAtMs: R }), reading({ metric: 'RR', value: 14, receivedAtMs: R })], overlay);
      expect([out.kept.length, out.dropped, out.retimed]).toEqual([0, 2, 0]);
    });
  });

  it('starts again when the gateway clock is set back further than the window, instead of growing until it catches up', () => {
    const recent = new RecentRecords(60_000);
    const commitAt = (receivedAtMs: number, over: Partial<Reading> = {}) => {
      const overlay = new Map<string, RecentEntry>();
      recent.filter([reading({ deviceTimeMs: receivedAtMs, receivedAtMs, ...over })], overlay);
      recent.commit(overlay);
    };
    for (let s = 0; s < 60; s++) commitAt(T + 3_600_000 + s * 1000); // an hour ahead
    expect(recent.size).toBe(60);
    for (let s = 0; s < 180; s++) commitAt(T + s * 1000); // set back: 3 minutes, a record a second
    expect(recent.size).toBe(61); // the last minute, not the hour ahead's records and these
    // Within the window after the step, copies are recognised again.
    expect(recent.filter([reading({ deviceTimeMs: T + 179_000 })], new Map()).dropped).toBe(1);
    // A commit that adds nothing (every reading a copy, or none filtered) keeps the window.
    recent.commit(new Map());
    expect(recent.size).toBe(61);
  });

  it('forgets what is older than the window', () => {
    const recent = new RecentRecords(60_000);
    const overlay = new Map<string, RecentEntry>();
    recent.filter([reading()], overlay);
    recent.commit(overlay);
    const later = new Map<string, RecentEntry>();
    recent.filter([reading({ deviceTimeMs: T + 120_000, receivedAtMs: T + 120_000 })], later);
    recent.commit(later);
    expect(recent.size).toBe(1);
    expect(recent.filter([reading()], new Map()).dropped).toBe(0);
  });
});

describe('a copy after a restart', () => {
  let dir: TempDir;
  let store: BufferStore;
  beforeEach(() => {
    dir = tempDir();
    store = openBufferStore({ path: dir.file('gw.db'), gatewayId: 'gw' });
  });
  afterEach(() => {
    store.close();
    dir.remove();
  });

  it('is recognised from the buffer file by a new writer (the commit thread seeds its index)', async () => {
    const stats: number[] = [];
    const first = new BufferWriter(store, { flushIntervalMs: 1 });
    const record = [reading(), reading({ metric: 'SPO2', value: 97 }), reading({ metric: 'RR', value: 14, flags: QualityFlag.CLOCK_SUSPECT, deviceClockMs: T - 3_600_000 })];
    await first.append(record, { dedup: true });
    await first.close();
    const second = new BufferWriter(store, { flushIntervalMs: 1, onCommit: (s) => stats.push(s.duplicates) });
    await second.append(record, { dedup: true });
    await second.append([reading({ metric: 'PR', value: 71 })], { dedup: true });
    await second.append(record); // no device time (dedup off): nothing to be the same as
    await second.close();
    expect(store.db.prepare('SELECT count(*) FROM readings').pluck().get()).toBe(7);
    expect(stats.reduce((a, b) => a + b, 0)).toBe(3);
  });

  it('is seeded with the last window only, each reading under its own time, metrics of one time merged across records', async () => {
    const writer = new BufferWriter(store, { flushIntervalMs: 1 });
    const at = (ms: number, over: Partial<Reading>) => reading({ deviceTimeMs: T + ms, receivedAtMs: T + ms, ...over });
    await writer.append([at(0, {})], { dedup: true }); // older than the window by the newest record
    await writer.append([at(100_000, {}), at(100_000, { metric: 'SPO2', deviceTimeMs: T + 100_500 }), at(100_000, { metric: 'RR' })], { dedup: true });
    await writer.append([at(120_000, { metric: 'NIBP_SYS', deviceTimeMs: T + 100_000 })], { dedup: true });
    await writer.close();
    const recent = new RecentRecords(60_000);
    expect(recent.seed(store.db)).toBe(2); // (mon-1, T+100 s): HR, RR, NIBP_SYS; (mon-1, T+100.5 s): SPO2
    const known = (over: Partial<Reading>) => recent.filter([reading(over)], new Map()).dropped === 1;
    expect((['HR', 'RR', 'NIBP_SYS'] as const).map((metric) => known({ metric, deviceTimeMs: T + 100_000 }))).toEqual([true, true, true]);
    expect(known({ metric: 'SPO2', deviceTimeMs: T + 100_500 })).toBe(true);
    expect(known({ metric: 'SPO2', deviceTimeMs: T + 100_000 })).toBe(false);
    expect(known({})).toBe(false); // T: before the window
    // With the values it was stored with: another value at a seeded key is no copy.
    const other = recent.filter([reading({ metric: 'RR', value: 13, deviceTimeMs: T + 100_000 })], new Map());
    expect([other.dropped, other.retimed]).toEqual([0, 1]);
  });
});

describe('a group rolled back for one entry SQLite refuses, then each entry committed alone', () => {
  it('stores a re-filed record once where the first attempt put it, and counts it', () => {
    const dir = tempDir();
    const store = openBufferStore({ path: dir.file('gw.db') });
    try {
      const recent = new RecentRecords(600_000);
      const commit = createBatchCommitter(store.db, { monotonicMs: () => performance.now(), recent });
      const R = T + 40_000;
      expect(commit([{ readings: [reading({ value: 72 })], alarms: null, dedup: true }], R)).toMatchObject({ kind: 'committed', readings: 1 });
      // The monitor's clock was set back onto T with a new HR; in the same group, an entry SQLite refuses.
      const bad = reading({ deviceId: 'mon-2', bedId: undefined as unknown as string, deviceTimeMs: R });
      const out = commit([{ readings: [reading({ value: 75, receivedAtMs: R })], alarms: null, dedup: true }, { readings: [bad], alarms: null, dedup: true }], R);
      expect(out).toMatchObject({ kind: 'committed', readings: 1, retimed: 1, refused: [[1, expect.anything()]] });
      expect(store.db.prepare("SELECT value, device_time_ms, device_clock_ms FROM readings WHERE device_id = 'mon-1' ORDER BY id").raw().all()).toEqual([
        [72, T, null],
        [75, R, T],
      ]);
    } finally {
      store.close();
      dir.remove();
    }
  });
});
