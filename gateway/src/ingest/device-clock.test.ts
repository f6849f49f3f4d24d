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
    expect(live(clocks, 'old', 8 * DAY, 3)).toEqual(Array(3).fill({ trusted: false, skewMs: 8 * DAY, reason: 'behind' }));
    expect(live(clocks, 'ahead', -60 * MIN, 2)).toEqual(Array(2).fill({ trusted: false, skewMs: -60 * MIN, reason: 'ahead' }));
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
    expect(clocks.judge('mon', NOW + 10 * S - 10 * MIN, NOW + 10 * S)).toEqual({ trusted: false, skewMs: 10 * MIN, reason: 'jump' });
    expect(clocks.judge('mon', NOW + 11 * S - 10 * MIN, NOW + 11 * S)).toMatchObject({ trusted: false, reason: 'behind' });
    // Set right again: trusted from the first record in the window.
    expect(clocks.judge('mon', NOW + 12 * S, NOW + 12 * S + 25)).toEqual({ trusted: true, backlog: false });
    expect(clocks.judge('mon', NOW + 13 * S + 6 * MIN, NOW + 13 * S)).toEqual({ trusted: false, skewMs: -6 * MIN, reason: 'ahead' });
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
