import { describe, expect, it } from 'vitest';
import { NUMBERING, RecentRing, Seen } from './recent-ring.js';
import { RefInterner } from './ref-interner.js';

const T = Date.UTC(2026, 11, 5, 8);
/** Few values, so that a metric often repeats one at a key; -0 is 0 and NaN is NaN. */
const VALUES = [72, 73, 98.6, 0, -0, Number.NaN, 1e-9];

/** A small deterministic generator (mulberry32): the same sequence every run. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface ModelEntry {
  device: string;
  timeMs: number;
  /** [metric, value] pairs. */
  readings: [string, number][];
  atMs: number;
}

/** The same window as a plain list, for comparison. */
class Model {
  entries: ModelEntry[] = [];
  add(device: string, timeMs: number, metrics: string[], values: number[], atMs: number): void {
    if (metrics.length > 0) this.entries.push({ device, timeMs, readings: metrics.map((m, i) => [m, values[i]!]), atMs });
  }
  expireBefore(cutoff: number): void {
    while (this.entries.length > 0 && !(this.entries[0]!.atMs >= cutoff)) this.entries.shift();
  }
  match(device: string, timeMs: number, metric: string, value: number): Seen {
    const values = this.entries.filter((e) => e.device === device && Object.is(e.timeMs, timeMs)).flatMap((e) => e.readings.filter(([m]) => m === metric).map(([, v]) => v));
    return values.some((v) => v === value || (Number.isNaN(v) && Number.isNaN(value))) ? Seen.SAME : values.length > 0 ? Seen.OTHER : Seen.NOT;
  }
  get keys(): number {
    return new Set(this.entries.map((e) => `${e.device}|${e.timeMs}`)).size;
  }
}

describe('RecentRing', () => {
  it.each([
    ['from 0', 0],
    ['across the wrap-around of its numbering', NUMBERING - 16_384],
  ])('answers exactly as a plain list through growth, expiry and shrinking, numbered %s', (_, first) => {
    const next = random(18);
    const ring = new RecentRing(first);
    const model = new Model();
    const devices = Array.from({ length: 40 }, (_, i) => `mon-bed-${i}`);
    const metrics = ['HR', 'SPO2', 'PR', 'RR', 'PI', 'TEMP', '188736', '188740', 'NIBP_SYS', 'NIBP_DIA', 'ST_II', 'ETCO2'];
    let at = T;
    const pick = <V>(list: readonly V[]) => list[Math.floor(next() * list.length)]!;
    const query = () => {
      const e = model.entries.length > 0 && next() < 0.5 ? pick(model.entries) : null;
      // Near misses: the key of a stored entry with another metric, another device or a time 1 ms off.
      const device = e && next() < 0.8 ? e.device : pick(devices);
      const timeMs = e ? e.timeMs + (next() < 0.2 ? 1 : 0) : T + Math.floor(next() * 400) * 1000;
      const stored = e && next() < 0.7 ? pick(e.readings) : null;
      const metric = stored ? stored[0] : pick(metrics);
      // The stored value, another, or NaN (stored now and then).
      const value = stored && next() < 0.6 ? stored[1] : pick(VALUES);
      expect(ring.match(device, timeMs, metric, value)).toBe(model.match(device, timeMs, metric, value));
    };
    // A window of 60 s; the load rises to ~4,000 entries, then falls back to a few, twice.
    for (const rate of [5, 60, 2, 80, 1]) {
      for (let step = 0; step < 4000; step++) {
        at += 1000 / rate;
        const device = pick(devices);
        // Mostly new times; now and then a second message for a time already stored.
        const timeMs = next() < 0.1 && model.entries.length > 0 ? pick(model.entries).timeMs : Math.round(at) - Math.floor(next() * 3) * 1000;
        const n = Math.floor(next() * 10);
        const ms = Array.from({ length: n }, () => pick(metrics));
        const vs = ms.map(() => pick(VALUES));
        ring.add(device, timeMs, ms, vs, at);
        model.add(device, timeMs, ms, vs, at);
        ring.expireBefore(at - 60_000);
        model.expireBefore(at - 60_000);
        expect(ring.entries).toBe(model.entries.length);
        if (step % 7 === 0) expect(ring.size).toBe(model.keys);
        query();
        query();
      }
    }
    expect(ring.size).toBe(model.keys);
  });

  it('holds a record of more metrics than one entry counts, and a NaN time as the string key did', () => {
    const ring = new RecentRing();
    const many = Array.from({ length: 70_000 }, (_, i) => String(65536 + i));
    ring.add('mon-1', T, many, many.map((_, i) => i), T);
    expect(ring.entries).toBe(2);
    expect(ring.size).toBe(1);
    expect(ring.match('mon-1', T, '65536', 0)).toBe(Seen.SAME);
    expect(ring.match('mon-1', T, String(65536 + 69_999), 69_999)).toBe(Seen.SAME); // in the second entry, a 32-bit id
    expect(ring.match('mon-1', T, String(65536 + 69_999), 1)).toBe(Seen.OTHER);
    expect(ring.match('mon-1', T + 1, '65536', 0)).toBe(Seen.NOT);
    ring.add('mon-2', Number.NaN, ['HR'], [60], T);
    expect(ring.match('mon-2', Number.NaN, 'HR', 60)).toBe(Seen.SAME);
    ring.expireBefore(T + 1);
    expect([ring.entries, ring.size, ring.match('mon-1', T, '65536', 0), ring.match('mon-2', Number.NaN, 'HR', 60)]).toEqual([0, 0, Seen.NOT, Seen.NOT]);
  });

  it('gives back its memory when the window empties', () => {
    const ring = new RecentRing();
    const empty = ring.bytes;
    for (let i = 0; i < 100_000; i++) ring.add(`mon-${i % 60}`, T + i * 17, ['HR', 'SPO2', 'RR'], [60, 97, 12], T + i);
    const full = ring.bytes;
    expect(full).toBeGreaterThan(100_000 * (30 + 3 * 10));
    for (let i = 0; i < 60; i++) ring.expireBefore(T + 100_000 - i * 1000); // a few at a time, as commits do
    ring.expireBefore(T + 100_000);
    expect(ring.entries).toBe(0);
    expect(ring.bytes).toBeLessThan(full / 8);
    expect(ring.bytes).toBeGreaterThanOrEqual(empty);
  });
});

describe('RefInterner', () => {
  it('keeps an id while it is held and reuses it only once it is free', () => {
    const ids = new RefInterner();
    const hr = ids.acquire('HR');
    expect(ids.acquire('HR')).toBe(hr);
    const spo2 = ids.acquire('SPO2');
    ids.release(hr);
    expect(ids.idOf('HR')).toBe(hr);
    ids.release(hr);
    expect(ids.idOf('HR')).toBe(-1);
    expect(ids.acquire('RR')).toBe(hr); // the freed id, for another string
    expect(ids.idOf('SPO2')).toBe(spo2);
    expect(ids.size).toBe(2);
    expect(() => ids.release(hr + 5)).toThrow(/released more often/);
  });
});
