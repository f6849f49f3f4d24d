/**
 * The duplicate window's storage (recent-records.ts): the keys (device, device time) of
 * the records committed lately, each with its metrics and their values, in typed arrays instead of a string
 * key, an object and a string of metrics per record in a Map (which grew the commit
 * thread's heap by ~9 MB over a 60-bed ward's 10 minutes). 30 bytes an entry, 10 a metric
 * (its id and its value: a reading at a stored time with another value is no copy, 2.4 MB
 * at 60 beds), ~4 of hash bucket.
 *
 * Exact: an entry keeps the interned device, the time as the double it was, the interned
 * metric ids (ref-interner.ts) and the values as the doubles they were, and `match`
 * compares them all, so only a reading stored before is ever reported the same (the hash
 * only says where to start looking).
 *
 * Entries are numbered in the order they are added (receive order, roughly), so expiry
 * pops from the front. Per entry: its device, time, receive time, the number of its first
 * metric in a second sequence (`pool`, with the values beside it) and its count, and the next
 * entry of its hash chain. A key may have several entries (an NIBP message at a time a
 * record already had; a record seeded from two rows): `has` looks at each.
 *
 * Both sequences live in fixed-size blocks, taken as the window grows and handed back as
 * its front expires (one kept spare, so a steady window allocates nothing): growing by
 * copying into larger arrays left each old generation to the thread's next full GC, and
 * the thread's malloc arena grew by several MB in a ward's first minutes.
 */
import { RefInterner } from './ref-interner.js';

/** Entries per block (30 B each: 60 KB). */
const SHIFT = 11;
const BLOCK = 1 << SHIFT;
/** Metrics per pool block (2 B each, 4 B past 65,536 metric keys held at once; 8 B of value beside each). */
const PSHIFT = 14;
const PBLOCK = 1 << PSHIFT;
/** Entry and metric numbers are 31 bits and wrap around: a window holds far fewer. */
const SEQ = 0x7fff_ffff;
/** The end of a hash chain. */
const NONE = -1;
const MIN_BUCKETS = 4096;
/** The most metrics one entry counts (16 bits); a larger record takes several entries. */
const MAX_ENTRY_METRICS = 0xffff;

/** The same key time: `===`, except that NaN is NaN (as the string key it replaces had it). */
export const sameTime = (a: number, b: number) => a === b || (a !== a && b !== b);

/** What the window says of a reading (`match`). */
export const Seen = {
  /** No reading of that metric at that key. */
  NOT: 0,
  /** One with the same value: the reading is a copy. */
  SAME: 1,
  /** Only with other values: a new measurement at a time the device used before. */
  OTHER: 2,
} as const;
export type Seen = (typeof Seen)[keyof typeof Seen];

class Block {
  readonly time: Float64Array;
  readonly at: Float64Array;
  readonly dev: Uint32Array;
  readonly mStart: Int32Array;
  readonly next: Int32Array;
  readonly mCount: Uint16Array;
  constructor() {
    // One allocation per block, the wider fields first so that every view is aligned.
    const buf = new ArrayBuffer(BLOCK * 30);
    this.time = new Float64Array(buf, 0, BLOCK);
    this.at = new Float64Array(buf, BLOCK * 8, BLOCK);
    this.dev = new Uint32Array(buf, BLOCK * 16, BLOCK);
    this.mStart = new Int32Array(buf, BLOCK * 20, BLOCK);
    this.next = new Int32Array(buf, BLOCK * 24, BLOCK);
    this.mCount = new Uint16Array(buf, BLOCK * 28, BLOCK);
  }
}

/** Entry and metric numbers wrap around after this many (exported for the tests). */
export const NUMBERING = SEQ + 1;

export class RecentRing {
  private readonly devices = new RefInterner();
  private readonly metrics = new RefInterner();

  /** blocks[0] holds entries `base` to `base + BLOCK - 1`. */
  private readonly blocks: Block[] = [new Block()];
  private spare: Block | null = null;
  private base = 0;
  private head = 0;
  private count = 0;

  /** pblocks[0] holds metrics `pbase` to `pbase + PBLOCK - 1`. */
  private pblocks: (Uint16Array | Uint32Array)[] = [new Uint16Array(PBLOCK)];
  private pspare: Uint16Array | Uint32Array | null = null;
  /** The values, beside pblocks. */
  private readonly vblocks: Float64Array[] = [new Float64Array(PBLOCK)];
  private vspare: Float64Array | null = null;
  private pbase = 0;
  private phead = 0;
  private pcount = 0;

  private buckets = new Int32Array(MIN_BUCKETS).fill(NONE);
  private keys = 0;

  /** `firstNumber`: where the numbering starts, a multiple of both block sizes (tests start near the wrap-around). */
  constructor(firstNumber = 0) {
    if (firstNumber % PBLOCK !== 0 || firstNumber % BLOCK !== 0 || firstNumber < 0 || firstNumber > SEQ) throw new RangeError(`firstNumber ${firstNumber} is not a block boundary`);
    this.base = this.head = this.pbase = this.phead = firstNumber;
  }

  /** Distinct keys (device, time) held. */
  get size(): number {
    return this.keys;
  }

  /** Entries held (a key may have more than one). */
  get entries(): number {
    return this.count;
  }

  /** Bytes of the typed arrays (the interned strings aside: a ward's few devices and metric keys). */
  get bytes(): number {
    const blocks = this.blocks.length + (this.spare ? 1 : 0);
    const pool = [...this.pblocks, ...(this.pspare ? [this.pspare] : []), ...this.vblocks, ...(this.vspare ? [this.vspare] : [])].reduce((sum, p) => sum + p.byteLength, 0);
    return blocks * BLOCK * 30 + pool + this.buckets.byteLength;
  }

  /** Whether an entry holds this device's reading of `metric` at `timeMs`, and with `value` or only others. */
  match(deviceId: string, timeMs: number, metric: string, value: number): Seen {
    const d = this.devices.idOf(deviceId);
    if (d < 0) return Seen.NOT;
    const m = this.metrics.idOf(metric);
    if (m < 0) return Seen.NOT;
    let seen: Seen = Seen.NOT;
    for (let i = this.buckets[bucketOf(d, timeMs, this.buckets.length - 1)]!; i !== NONE; ) {
      const blk = this.block(i);
      const o = i & (BLOCK - 1);
      if (blk.dev[o] === d && sameTime(blk.time[o]!, timeMs)) {
        const start = blk.mStart[o]!;
        for (let j = 0, n = blk.mCount[o]!; j < n; j++) {
          const p = (start + j) & SEQ;
          if (this.metricAt(p) !== m) continue;
          if (sameTime(this.valueAt(p), value)) return Seen.SAME;
          seen = Seen.OTHER;
        }
      }
      i = blk.next[o]!;
    }
    return seen;
  }

  /** True when an entry holds a reading of the device at `timeMs` (whatever its metric). */
  hasKey(deviceId: string, timeMs: number): boolean {
    const d = this.devices.idOf(deviceId);
    return d >= 0 && this.keyIn(bucketOf(d, timeMs, this.buckets.length - 1), d, timeMs, NONE);
  }

  /** Adds `metrics` (with their `values`) of the device at `timeMs`, received at `atMs`, at the back. */
  add(deviceId: string, timeMs: number, metrics: readonly string[], values: ArrayLike<number>, atMs: number): void {
    for (let from = 0; from < metrics.length; from += MAX_ENTRY_METRICS) {
      this.addEntry(deviceId, timeMs, metrics, values, from, Math.min(metrics.length, from + MAX_ENTRY_METRICS), atMs);
    }
  }

  /**
   * Drops the entries at the front received before `cutoffMs` (stops at the first that is
   * not). Written as "not at or after" so that an entry whose receive time is NaN goes too:
   * `NaN < cutoff` is false, and one such entry at the front would keep every entry behind
   * it for good.
   */
  expireBefore(cutoffMs: number): void {
    const before = this.count;
    while (this.count > 0 && !(this.block(this.head).at[this.head & (BLOCK - 1)]! >= cutoffMs)) this.dropFront();
    if (this.count === before) return;
    let n = this.buckets.length;
    while (n > MIN_BUCKETS && this.count < n / 8) n /= 2;
    if (n !== this.buckets.length) this.rehash(n);
  }

  private block(i: number): Block {
    return this.blocks[((i - this.base) & SEQ) >>> SHIFT]!;
  }

  private metricAt(p: number): number {
    return this.pblocks[((p - this.pbase) & SEQ) >>> PSHIFT]![p & (PBLOCK - 1)]!;
  }

  private valueAt(p: number): number {
    return this.vblocks[((p - this.pbase) & SEQ) >>> PSHIFT]![p & (PBLOCK - 1)]!;
  }

  private addEntry(deviceId: string, timeMs: number, metrics: readonly string[], values: ArrayLike<number>, from: number, to: number, atMs: number): void {
    const n = to - from;
    if (n === 0) return;
    if (this.count + 1 > this.buckets.length) this.rehash(this.buckets.length * 2);
    const seq = (this.head + this.count) & SEQ;
    if (((seq - this.base) & SEQ) >>> SHIFT === this.blocks.length) {
      this.blocks.push(this.spare ?? new Block());
      this.spare = null;
    }
    const start = (this.phead + this.pcount) & SEQ;
    while (((start - this.pbase) & SEQ) + n > this.pblocks.length * PBLOCK) {
      const wide = this.pblocks[0] instanceof Uint32Array;
      this.pblocks.push(this.pspare ?? (wide ? new Uint32Array(PBLOCK) : new Uint16Array(PBLOCK)));
      this.pspare = null;
      this.vblocks.push(this.vspare ?? new Float64Array(PBLOCK));
      this.vspare = null;
    }
    for (let j = 0; j < n; j++) {
      const id = this.metrics.acquire(metrics[from + j]!);
      if (id > 0xffff && this.pblocks[0] instanceof Uint16Array) this.widenPool();
      const p = (start + j) & SEQ;
      const k = ((p - this.pbase) & SEQ) >>> PSHIFT;
      this.pblocks[k]![p & (PBLOCK - 1)] = id;
      this.vblocks[k]![p & (PBLOCK - 1)] = values[from + j]!;
    }
    this.pcount += n;
    const d = this.devices.acquire(deviceId);
    const blk = this.block(seq);
    const o = seq & (BLOCK - 1);
    blk.dev[o] = d;
    blk.time[o] = timeMs;
    blk.at[o] = atMs;
    blk.mStart[o] = start;
    blk.mCount[o] = n;
    const b = bucketOf(d, timeMs, this.buckets.length - 1);
    if (!this.keyIn(b, d, timeMs, NONE)) this.keys += 1;
    blk.next[o] = this.buckets[b]!;
    this.buckets[b] = seq;
    this.count += 1;
  }

  private dropFront(): void {
    const seq = this.head;
    const blk = this.block(seq);
    const o = seq & (BLOCK - 1);
    const d = blk.dev[o]!;
    const t = blk.time[o]!;
    const b = bucketOf(d, t, this.buckets.length - 1);
    // Unlink it: a chain holds its newest entries first, so the oldest is near its end.
    let prev = NONE;
    for (let i = this.buckets[b]!; i !== seq; i = this.block(i).next[i & (BLOCK - 1)]!) prev = i;
    if (prev === NONE) this.buckets[b] = blk.next[o]!;
    else this.block(prev).next[prev & (BLOCK - 1)] = blk.next[o]!;
    if (!this.keyIn(b, d, t, seq)) this.keys -= 1;
    const n = blk.mCount[o]!;
    for (let j = 0; j < n; j++) this.metrics.release(this.metricAt((this.phead + j) & SEQ));
    this.devices.release(d);
    this.phead = (this.phead + n) & SEQ;
    this.pcount -= n;
    this.head = (seq + 1) & SEQ;
    this.count -= 1;
    // Blocks the front has left: one is kept for the back, the others are let go.
    while (((this.head - this.base) & SEQ) >= BLOCK) {
      const done = this.blocks.shift()!;
      if (this.blocks.length === 0) this.blocks.push(done);
      else this.spare ??= done;
      this.base = (this.base + BLOCK) & SEQ;
    }
    while (((this.phead - this.pbase) & SEQ) >= PBLOCK) {
      const done = this.pblocks.shift()!;
      const doneValues = this.vblocks.shift()!;
      if (this.pblocks.length === 0) {
        this.pblocks.push(done);
        this.vblocks.push(doneValues);
      } else {
        this.pspare ??= done;
        this.vspare ??= doneValues;
      }
      this.pbase = (this.pbase + PBLOCK) & SEQ;
    }
  }

  /** True when an entry of bucket `b` other than `except` has the key (d, t). */
  private keyIn(b: number, d: number, t: number, except: number): boolean {
    for (let i = this.buckets[b]!; i !== NONE; ) {
      const blk = this.block(i);
      const o = i & (BLOCK - 1);
      if (i !== except && blk.dev[o] === d && sameTime(blk.time[o]!, t)) return true;
      i = blk.next[o]!;
    }
    return false;
  }

  /** The hash chains again over `n` buckets, the oldest entries linked first so that each chain keeps its newest first. */
  private rehash(n: number): void {
    const buckets = new Int32Array(n).fill(NONE);
    for (let k = 0; k < this.count; k++) {
      const seq = (this.head + k) & SEQ;
      const blk = this.block(seq);
      const o = seq & (BLOCK - 1);
      const b = bucketOf(blk.dev[o]!, blk.time[o]!, n - 1);
      blk.next[o] = buckets[b]!;
      buckets[b] = seq;
    }
    this.buckets = buckets;
  }

  /** The first metric id past 16 bits: every pool block becomes 32-bit. */
  private widenPool(): void {
    this.pblocks = this.pblocks.map((p) => Uint32Array.from(p));
    this.pspare = null;
  }
}

/** The hash chain of (device, time): the time's two 32-bit halves and the device id, mixed. */
function bucketOf(d: number, t: number, mask: number): number {
  const lo = t | 0;
  const hi = (t / 4294967296) | 0;
  let h = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) ^ Math.imul(d + 1, 0xc2b2ae35);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h & mask;
}
