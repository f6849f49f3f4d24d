/** isoTime is toISOString's text for every time a Date holds: random times across the
 * whole range (six-digit and negative years, before 1970), every ms of two minutes around
 * 1970 and the edges, times that hop between minutes, and what toISOString refuses. */
import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

const MAX = 8.64e15;

describe('isoTime', () => {
  it('writes what toISOString writes', () => {
    const times: number[] = [0, -1, 1, 59_999, 60_000, -60_000, -60_001, MAX, -MAX, MAX - 1, -MAX + 1, MAX - 60_000, MAX - 60_001, 0.5, -0.5, 1e15 + 0.25, -0, 253402300799999, 253402300800000, -62167219200000, -62167219200001];
    for (let ms = -61_000; ms <= 61_000; ms++) times.push(ms);
    let seed = 17;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 20_000; i++) times.push(Math.round((rand() * 2 - 1) * MAX));
    // A live ward: values around now, hopping back and forth over minute starts.
    const now = Date.UTC(2026, 2, 2, 8, 0, 0, 0);
    for (let i = 0; i < 5_000; i++) times.push(now + Math.round((rand() * 2 - 1) * 120_000));
    expect(times.filter((ms) => isoTime(ms) !== new Date(ms).toISOString())).toEqual([]);
  });

  it('refuses what toISOString refuses', () => {
    for (const ms of [NaN, Infinity, -Infinity, MAX + 1, -MAX - 1]) expect(() => isoTime(ms), String(ms)).toThrow(RangeError);
  });
});
