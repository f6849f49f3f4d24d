import { describe, expect, it } from 'vitest';
import { LagEstimator, parseLsn } from './replica-lag.js';

describe('parseLsn', () => {
  it('reads a pg_lsn as bytes, and refuses what is not one', () => {
    expect(parseLsn('0/0')).toBe(0n);
    expect(parseLsn('16/B374D848')).toBe((0x16n << 32n) + 0xb374d848n);
    expect(() => parseLsn('16-B3')).toThrow(RangeError);
  });
});

describe('LagEstimator', () => {
  it('dates the lag from the oldest primary position the replica has not replayed', () => {
    const lag = new LagEstimator();
    expect(lag.observe(1_000, 100n, 100n)).toEqual({ lagMs: 0, lagBytes: 0 });
    // The primary moves on at 2 s; the replica stays at 100 (replay paused).
    expect(lag.observe(2_000, 150n, 100n)).toEqual({ lagMs: 0, lagBytes: 50 });
    expect(lag.observe(3_000, 180n, 100n)).toEqual({ lagMs: 1_000, lagBytes: 80 });
    expect(lag.observe(7_000, 180n, 100n)).toEqual({ lagMs: 5_000, lagBytes: 80 });
    // Replay reaches 150 (written by 2 s) but not 180 (3 s): 4 s behind at 7 s.
    expect(lag.observe(7_000, 180n, 150n)).toEqual({ lagMs: 4_000, lagBytes: 30 });
    expect(lag.observe(8_000, 180n, 180n)).toEqual({ lagMs: 0, lagBytes: 0 });
  });

  it('shows no lag for an idle primary, however long ago its last write was', () => {
    const lag = new LagEstimator();
    lag.observe(0, 500n, 500n);
    expect(lag.observe(3_600_000, 500n, 500n)).toEqual({ lagMs: 0, lagBytes: 0 });
  });

  it('starts over after a reset (the replica was down)', () => {
    const lag = new LagEstimator();
    lag.observe(0, 100n, 50n);
    expect(lag.observe(10_000, 100n, 50n).lagMs).toBe(10_000);
    lag.reset();
    expect(lag.observe(20_000, 100n, 50n).lagMs).toBe(0);
    expect(lag.observe(21_000, 100n, 50n).lagMs).toBe(1_000);
  });
});
