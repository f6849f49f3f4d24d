import { describe, expect, it } from 'vitest';
import { DeviceClocks, describeSkew } from './device-clock.js';

const NOW = Date.UTC(2026, 11, 5, 8);
const S = 1000;
const MIN = 60 * S;
const DAY = 86_400 * S;

/** A device sending one record a second, `skew` ms behind (negative: ahead), from NOW on. */
function live(clocks: DeviceClocks, device: string, skewMs: number, seconds: number, start = NOW) {
  return Array.from({ length: seconds }, (_, i) => clocks.judge(device, start + i * S - skewMs, start + i * S));
}

describe('DeviceClocks', () => {
  it('trusts a clock within the window, and a record with no time', () => {
    const clocks = new DeviceClocks();
    expect(live(clocks, 'a', 40, 3).every((v) => v.trusted)).toBe(true);
    expect(live(clocks, 'b', -4 * MIN, 3).every((v) => v.trusted)).toBe(true);
    expect(clocks.judge('c', null, NOW)).toEqual({ trusted: true, backlog: false });
  });

  it('suspects a clock 8 days behind and one an hour ahead, from their first record', () => {
    const clocks = new DeviceClocks();
    expect(live(clocks, 'old', 8 * DAY, 3)).toEqual([0, 1, 2].map((i) => ({ trusted: false, skewMs: 8 * DAY, reason: 'behind', fileAtMs: NOW + i * S })));
    expect(live(clocks, 'ahead', -60 * MIN, 2)).toEqual([0, 1].map((i) => ({ trusted: false, skewMs: -60 * MIN, reason: 'ahead', fileAtMs: NOW + i * S })));
  });

  it('suspects a clock steadily an hour behind: it never catches up', () => {
    const clocks = new DeviceClocks();
    const verdicts = live(clocks, 'tz', 60 * MIN, 5);
    expect(verdicts.every((v) => !v.trusted)).toBe(true);
  });

  it('accepts a backlog that continues the device timeline and catches up, then live data again', () => {
    const clocks = new DeviceClocks();
    live(clocks, 'mon', 30, 10); // live until NOW + 9 s
    // A 30-minute network outage; then the monitor replays its queue, 20 records in 200 ms.
    const back = NOW + 30 * MIN;
    const replay = Array.from({ length: 20 }, (_, i) => clocks.judge('mon', NOW + (10 + i) * S, back + i * 10));
    expect(replay.every((v) => v.trusted && v.backlog)).toBe(true);
    expect(clocks.judge('mon', back - 20, back + 300)).toEqual({ trusted: true, backlog: false });
  });

  it('suspects a clock that jumps back, or forward, by more than the window while the device talks', () => {
    const clocks = new DeviceClocks();
    live(clocks, 'mon', 30, 10);
    expect(clocks.judge('mon', NOW + 10 * S - 10 * MIN, NOW + 10 * S)).toEqual({ trusted: false, skewMs: 10 * MIN, reason: 'jump', fileAtMs: NOW + 10 * S });
    expect(clocks.judge('mon', NOW + 11 * S - 10 * MIN, NOW + 11 * S)).toMatchObject({ trusted: false, reason: 'behind' });
    // Set right again: trusted from the first record in the window.
    expect(clocks.judge('mon', NOW + 12 * S, NOW + 12 * S + 25)).toEqual({ trusted: true, backlog: false });
    expect(clocks.judge('mon', NOW + 13 * S + 6 * MIN, NOW + 13 * S)).toEqual({ trusted: false, skewMs: -6 * MIN, reason: 'ahead', fileAtMs: NOW + 13 * S });
  });

  it('files a burst of suspect records at strictly increasing times, in arrival order', () => {
    const clocks = new DeviceClocks();
    // A monitor 8 days behind replays 5 queued records within one millisecond, then talks live.
    const burst = [0, 1, 2, 3, 4].map((i) => clocks.judge('old', NOW - 8 * DAY + i * S, NOW));
    expect(burst.map((v) => (v.trusted ? null : v.fileAtMs))).toEqual([NOW, NOW + 1, NOW + 2, NOW + 3, NOW + 4]);
    expect(clocks.judge('old', NOW - 8 * DAY + 5 * S, NOW + 2)).toMatchObject({ trusted: false, fileAtMs: NOW + 5 });
    expect(clocks.judge('old', NOW - 8 * DAY + 6 * S, NOW + S)).toMatchObject({ trusted: false, fileAtMs: NOW + S });
    // Another device's burst is its own: the two devices' readings never share a key.
    expect(clocks.judge('other', NOW - 8 * DAY, NOW)).toMatchObject({ trusted: false, fileAtMs: NOW });
  });

  describe('a clock that stopped', () => {
    const vitals = (hr: number, spo2: number) => [
      { metric: 'HR', value: hr },
      { metric: 'SPO2', value: spo2 },
    ];
    const T = NOW - 10 * S;

    it('is told from a re-sent copy by a new value at the same device time, and stays stopped until its time moves', () => {
      const clocks = new DeviceClocks();
      expect(clocks.judge('mon', T, NOW, vitals(72, 97))).toEqual({ trusted: true, backlog: false });
      // The same record again (its PUBACK was lost): a copy, judged as before, for the buffer to drop.
      expect(clocks.judge('mon', T, NOW + 3 * S, vitals(72, 97))).toEqual({ trusted: true, backlog: false });
      // A new heart rate at the same device time: the clock stands still.
      expect(clocks.judge('mon', T, NOW + 4 * S, vitals(73, 97))).toEqual({ trusted: false, skewMs: NOW + 4 * S - T, reason: 'stopped', fileAtMs: NOW + 4 * S, sharedTime: true });
      // Stopped from now on, also for a record that repeats every value (a steady patient).
      expect(clocks.judge('mon', T, NOW + 5 * S, vitals(73, 97))).toMatchObject({ trusted: false, reason: 'stopped' });
      expect(clocks.judge('mon', T, NOW + 5 * S, vitals(74, 97))).toMatchObject({ trusted: false, reason: 'stopped', fileAtMs: NOW + 5 * S + 1 });
      // Set right: trusted again from its first record in the window.
      expect(clocks.judge('mon', NOW + 7 * S, NOW + 7 * S, vitals(74, 97))).toEqual({ trusted: true, backlog: false });
      expect(clocks.judge('mon', NOW + 8 * S, NOW + 8 * S, vitals(75, 97))).toEqual({ trusted: true, backlog: false });
    });

    it('is not suspected for another message of the same instant (an NIBP beside the vitals), nor for a second channel', () => {
      const clocks = new DeviceClocks();
      clocks.judge('mon', T, NOW, vitals(72, 97));
      const nibp = [
        { metric: 'NIBP_SYS', value: 120 },
        { metric: 'NIBP_DIA', value: 80 },
      ];
      expect(clocks.judge('mon', T, NOW + 20, nibp)).toEqual({ trusted: true, backlog: false });
      expect(clocks.judge('mon', T, NOW + 40, [{ metric: 'TEMP', value: 37.1, instance: '1.26.1.2' }])).toEqual({ trusted: true, backlog: false });
      // Copies of either, in any order: still copies.
      expect(clocks.judge('mon', T, NOW + 2 * S, vitals(72, 97))).toEqual({ trusted: true, backlog: false });
      expect(clocks.judge('mon', T, NOW + 2 * S, nibp)).toEqual({ trusted: true, backlog: false });
      // A second temperature probe's new value is not the first probe's.
      expect(clocks.judge('mon', T, NOW + 3 * S, [{ metric: 'TEMP', value: 37.4 }])).toEqual({ trusted: true, backlog: false });
      expect(clocks.judge('mon', T, NOW + 4 * S, [{ metric: 'TEMP', value: 37.2, instance: '1.26.1.2' }])).toMatchObject({ trusted: false, reason: 'stopped' });
    });

    it('is recognised after a gateway restart from the last record the buffer kept', () => {
      const clocks = new DeviceClocks();
      clocks.remember('mon', { deviceClockMs: T, receivedAtMs: NOW, filedAtMs: NOW, trusted: false, values: vitals(72, 97) });
      // The copy resent after the restart takes its original's verdict (suspect), and is
      // keyed by the same device time for the buffer to drop.
      expect(clocks.judge('mon', T, NOW + 9 * S, vitals(72, 97))).toMatchObject({ trusted: false });
      expect(clocks.judge('mon', T, NOW + 10 * S, vitals(71, 97))).toMatchObject({ trusted: false, reason: 'stopped', fileAtMs: NOW + 10 * S });
    });

    it('stays stopped across a restart when the buffer says so: a steady record is kept', () => {
      const clocks = new DeviceClocks();
      clocks.remember('mon', { deviceClockMs: T, receivedAtMs: NOW, filedAtMs: NOW, trusted: false, values: vitals(72, 97), clockStopped: true });
      expect(clocks.judge('mon', T, NOW + 9 * S, vitals(72, 97))).toMatchObject({ trusted: false, reason: 'stopped', sharedTime: true });
    });

    it('is recognised whatever the skew: a clock stopped days ago', () => {
      const clocks = new DeviceClocks();
      const old = NOW - 3 * DAY;
      expect(clocks.judge('mon', old, NOW, vitals(72, 97))).toMatchObject({ trusted: false, reason: 'behind' });
      expect(clocks.judge('mon', old, NOW + S, vitals(73, 97))).toMatchObject({ trusted: false, reason: 'stopped', fileAtMs: NOW + S });
    });
  });

  describe('two records in one second, from a clock stamped to the second', () => {
    const T = NOW - 300;
    it('are both trusted, the second filed within that second by how much later it came, and apart from the filter', () => {
      const clocks = new DeviceClocks();
      expect(clocks.judge('mon', T, NOW, [{ metric: 'SPO2', value: 97 }])).toEqual({ trusted: true, backlog: false });
      expect(clocks.judge('mon', T, NOW + 480, [{ metric: 'SPO2', value: 96 }])).toEqual({ trusted: true, backlog: false, fileAtMs: T + 480, sharedTime: true });
      // A copy of either: the first's verdict, no new time.
      expect(clocks.judge('mon', T, NOW + 600, [{ metric: 'SPO2', value: 96 }])).toEqual({ trusted: true, backlog: false });
      // A third within the same receive millisecond: 1 ms later still, and never past the second.
      expect(clocks.judge('mon', T, NOW + 480, [{ metric: 'SPO2', value: 95 }])).toMatchObject({ trusted: true, fileAtMs: T + 481 });
      expect(clocks.judge('mon', T, NOW + 1900, [{ metric: 'SPO2', value: 94 }])).toMatchObject({ trusted: true, fileAtMs: T + 999 });
      // The next second is an ordinary record.
      expect(clocks.judge('mon', T + S, NOW + 1950, [{ metric: 'SPO2', value: 94 }])).toEqual({ trusted: true, backlog: false });
    });

    it('for seconds on end: never suspect (no device-clock alarm raised and cleared each second)', () => {
      const clocks = new DeviceClocks();
      const verdicts = [];
      for (let i = 0; i < 8; i++) {
        const second = T + Math.floor(i / 2) * S; // two records a second, the clock's time to the second
        verdicts.push(clocks.judge('mon', second, NOW + i * 500, [{ metric: 'SPO2', value: 90 + i }]));
      }
      expect(verdicts.every((v) => v.trusted)).toBe(true);
      expect(verdicts.filter((v) => v.sharedTime === true)).toHaveLength(4);
    });
  });

  it('recognises a clock that steps back onto times it used: the new values are kept apart as suspect', () => {
    const clocks = new DeviceClocks();
    for (let i = 0; i < 4; i++) clocks.judge('mon', NOW + i * S, NOW + i * S, [{ metric: 'SPO2', value: 90 + i }]);
    // Set back 2 s: its times 2 and 3 come again, with new values.
    expect(clocks.judge('mon', NOW + 2 * S, NOW + 4 * S, [{ metric: 'SPO2', value: 94 }])).toMatchObject({ trusted: false, reason: 'jump', sharedTime: true, fileAtMs: NOW + 4 * S });
    expect(clocks.judge('mon', NOW + 1 * S, NOW + 5 * S, [{ metric: 'SPO2', value: 95 }])).toMatchObject({ trusted: false, reason: 'jump', sharedTime: true });
    // Its own latest time again, over 2 s after it first came: not one second's two records.
    expect(clocks.judge('mon', NOW + 3 * S, NOW + 5.5 * S, [{ metric: 'SPO2', value: 96 }])).toMatchObject({ trusted: false, reason: 'stopped', sharedTime: true });
    expect(clocks.judge('mon', NOW + 4 * S, NOW + 6 * S, [{ metric: 'SPO2', value: 96 }])).toEqual({ trusted: true, backlog: false });
  });

  it('does not let a copy redelivered after an outage change what it knows of the device', () => {
    const clocks = new DeviceClocks({ maxAheadMs: S, maxLagMs: S, horizonMs: DAY });
    for (let i = 0; i < 4; i++) clocks.judge('mon', NOW + i * S, NOW + i * S, [{ metric: 'SPO2', value: 90 + i }]);
    // Down 5 s; the monitor resends its last record (its PUBACK was lost), then its queue.
    const back = NOW + 8 * S;
    expect(clocks.judge('mon', NOW + 3 * S, back, [{ metric: 'SPO2', value: 93 }])).toEqual({ trusted: true, backlog: false });
    const replay = [4, 5, 6].map((i) => clocks.judge('mon', NOW + i * S, back + (i - 3) * 100, [{ metric: 'SPO2', value: 90 + i }]));
    expect(replay).toEqual(Array(3).fill({ trusted: true, backlog: true }));
  });

  it("files a clockless device's records at strictly increasing times", () => {
    const clocks = new DeviceClocks();
    expect([0, 0, 0, 5].map((d) => clocks.fileClockless('ser', NOW + d))).toEqual([NOW, NOW + 1, NOW + 2, NOW + 5]);
    expect(clocks.fileClockless('other', NOW)).toBe(NOW);
    // After a restart, after the last record the buffer holds (filed 1 ms ahead of its receipt).
    const restarted = new DeviceClocks();
    restarted.remember('ser', { deviceClockMs: NOW + 5, receivedAtMs: NOW + 4, filedAtMs: NOW + 5, trusted: true, values: [] });
    expect(restarted.fileClockless('ser', NOW + 4)).toBe(NOW + 6);
  });

  it('judges an observation time of its own (an NIBP minutes old) by the absolute window only', () => {
    const clocks = new DeviceClocks({ maxAheadMs: 5 * MIN, maxLagMs: 5 * MIN, horizonMs: DAY });
    expect(clocks.observationTrusted(NOW - 20 * MIN, NOW)).toBe(true);
    expect(clocks.observationTrusted(NOW - 2 * DAY, NOW)).toBe(false);
    expect(clocks.observationTrusted(NOW + 6 * MIN, NOW)).toBe(false);
  });

  it('describes a skew as people read it', () => {
    expect(describeSkew(8 * DAY + 2 * 3_600_000 + 5 * S)).toBe('8 d 2 h behind');
    expect(describeSkew(-3_600_000)).toBe('1 h ahead');
    expect(describeSkew(42 * S)).toBe('42 s behind');
    expect(describeSkew(-250)).toBe('250 ms ahead');
  });
});
