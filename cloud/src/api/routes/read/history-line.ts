/**
 * History readings as NDJSON lines, written into one Buffer per read from the readings'
 * columns, rather than through an object and JSON.stringify, or even through strings: a
 * 24 h answer of a 1 Hz metric is 86,400 lines (4.7 MB), and a string per line, then
 * joining them and encoding the result as UTF-8 for the socket, were most of the route's
 * CPU (issue 17). A line is its start and time (the date to the minute made once a
 * minute), then the rest of the line, made once per value and flags mask.
 * The text is byte-identical to ndjsonLine({ t, value, flags, deviceClock? })
 * (history-line.test.ts compares them).
 */
import { QualityFlag } from '@wardlink/shared';
import { flagNames } from './vital-view.js';

export interface HistoryRow {
  /** The reading's time, epoch ms. */
  t_ms: number;
  value: number;
  flags: number;
  /** CLOCK_SUSPECT readings only: the device clock's time (received_at), epoch ms. */
  device_ms: number | null;
}

/** A reading with its time in µs, so one hour's readings from several sources sort exactly. */
export interface TimedReading extends HistoryRow {
  t_us: number;
}

/**
 * Readings in time order, column by column: what the history route formats. A compacted
 * hour (one block) is unpacked straight into one, with no object per reading (86,400 of
 * them for a day at 1 Hz were a tenth of the route's CPU and most of its garbage).
 */
export class ReadingRun {
  length = 0;
  readonly t_ms: Float64Array;
  readonly value: Float64Array;
  readonly flags: Int32Array;
  /** NaN where the reading has none (it is not CLOCK_SUSPECT). */
  readonly device_ms: Float64Array;

  constructor(capacity: number) {
    this.t_ms = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
    this.flags = new Int32Array(capacity);
    this.device_ms = new Float64Array(capacity);
  }

  static of(rows: HistoryRow[]): ReadingRun {
    const run = new ReadingRun(rows.length);
    for (const r of rows) run.push(r.t_ms, r.value, r.flags, r.device_ms);
    return run;
  }

  push(tMs: number, value: number, flags: number, deviceMs: number | null): void {
    const i = this.length++;
    this.t_ms[i] = tMs;
    this.value[i] = value;
    this.flags[i] = flags;
    this.device_ms[i] = deviceMs ?? NaN;
  }

  row(i: number): HistoryRow {
    const device = this.device_ms[i]!;
    return { t_ms: this.t_ms[i]!, value: this.value[i]!, flags: this.flags[i]!, device_ms: Number.isNaN(device) ? null : device };
  }
}

const MINUTE_MS = 60_000;
const DOT = 46;
const Z = 90;
/** 'YYYY-MM-DDTHH:MM:', the part of an ISO time shared by a minute's readings. */
const PREFIX_BYTES = 17;

/** The bytes of an ASCII string into `buf` at `at`; the offset after them. */
function writeAscii(text: string, buf: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) buf[at + i] = text.charCodeAt(i);
  return at + text.length;
}

/** The digits of 0..count-1, `width` ASCII bytes each ('07', '007'). */
function digitTable(count: number, width: number): Uint8Array {
  const table = new Uint8Array(count * width);
  for (let i = 0; i < count; i++) writeAscii(String(i).padStart(width, '0'), table, i * width);
  return table;
}
const SECOND_DIGITS = digitTable(60, 2);
const MILLI_DIGITS = digitTable(1_000, 3);

/** ISO 8601 UTC times of ascending epoch ms, cheaply: the date, hour and minute are
 * formatted once per minute, the seconds and milliseconds by hand. iso-time.ts does the
 * same as text for the dashboard: a fix to one belongs in the other. */
export class IsoTimes {
  private minuteMs = NaN;
  /** The lead, then the minute's prefix, as write() puts them. */
  private readonly prefixBytes: Uint8Array;

  /** `lead`: ASCII text write() puts before each time (a line's start: one copy less a line). */
  constructor(private readonly lead = '') {
    this.prefixBytes = new Uint8Array(lead.length + PREFIX_BYTES);
    writeAscii(lead, this.prefixBytes, 0);
  }

  /** Makes `minute` (epoch minutes) the current one; false for a year outside
   * 0000..9999, written with a sign and six digits: no shortcut then. */
  private moveTo(minute: number): boolean {
    const full = new Date(minute * MINUTE_MS).toISOString();
    if (full.length !== 24) return false;
    this.minuteMs = minute * MINUTE_MS;
    writeAscii(full.slice(0, PREFIX_BYTES), this.prefixBytes, this.lead.length);
    return true;
  }

  /** The lead and new Date(ms).toISOString() written into `buf` at `at` (the lead and 24
   * bytes, 27 for a six-digit year); the offset after them. `ms` is a whole number.
   * Without a division for most times: two a line were a third of the cost of writing it. */
  write(ms: number, buf: Uint8Array, at: number): number {
    let rest = ms - this.minuteMs; // NaN before the first time: not in the minute
    if (!(rest >= 0 && rest < MINUTE_MS)) {
      if (!this.moveTo(Math.floor(ms / MINUTE_MS))) return writeAscii(this.lead + new Date(ms).toISOString(), buf, at);
      rest = ms - this.minuteMs;
    }
    buf.set(this.prefixBytes, at);
    at += this.lead.length;
    // rest / 1000, floored, exactly for every rest below 60,000 (and the product below 2^32).
    const s = (rest * 67_109) >>> 26;
    const milli = 3 * (rest - s * 1000);
    buf[at + 17] = SECOND_DIGITS[2 * s]!;
    buf[at + 18] = SECOND_DIGITS[2 * s + 1]!;
    buf[at + 19] = DOT;
    buf[at + 20] = MILLI_DIGITS[milli]!;
    buf[at + 21] = MILLI_DIGITS[milli + 1]!;
    buf[at + 22] = MILLI_DIGITS[milli + 2]!;
    buf[at + 23] = Z;
    return at + 24;
  }
}

/** A few masks occur: their JSON text's bytes, made once. */
const flagsJson = new Map<number, Buffer>();

function flagsBytes(mask: number): Buffer {
  let bytes = flagsJson.get(mask);
  if (bytes === undefined) {
    bytes = Buffer.from(JSON.stringify(flagNames(mask)));
    if (flagsJson.size < 4_096) flagsJson.set(mask, bytes);
  }
  return bytes;
}

const LINE_START = '{"t":"';
const DEVICE = Buffer.from(',"deviceClock":"');
const CLOSE = Buffer.from('}\n');
const QUOTE = 34;
/** The room a line needs besides its end (value and flags, lineEnd()): its start, its time
 * and a device clock's part, with six-digit years, are 79 bytes; twice that, to spare. */
const LINE_BYTES = 160;
/** The least a chunk's buffer starts with, and the most the last chunk's size may make the
 * next one's start with: a chunk of a few runs (hours of a sparse series) fits it without
 * a copy, and one chunk of a fast series (~20 MB for an hour at 100 Hz) does not make every
 * later chunk take as much. A longer run asks for what it needs (addRun). */
const MIN_CHUNK_BYTES = 64 * 1024;
const MAX_CHUNK_START_BYTES = 1024 * 1024;
/** What a line takes, about, before any was written: a 1 Hz series' lines are ~55 bytes. */
const FIRST_LINE_BYTES = 64;
/** Flag masks whose line ends are kept, and line ends kept per mask besides those of whole
 * values below SMALL_VALUES: ~2,000 line ends (~150 kB) a mask at most, where 64 masks of
 * 1,024 + 4,096 kept ~14 MB of heap and ~18 MB of buffers for a day of distinct values. A
 * series has a few masks, and most of its values recur; the ends of others are made for
 * each line, as the first time. */
const MASKS = 8;
const ENDS_PER_MASK = 1_024;

/** `part` into `buf` at `at`; the offset after it. TypedArray set() copies a line's
 * parts faster than a loop of bytes (~7 against ~10 ms for a day at 1 Hz). */
function put(part: Uint8Array, buf: Uint8Array, at: number): number {
  buf.set(part, at);
  return at + part.length;
}

/** What follows the time in the line of a reading of `value` and `flags`: `","value":V,
 * "flags":F`, and `}\n` when there is no device clock to add (written per line then). */
function lineEnd(value: number, flags: number, closed: boolean): Buffer {
  // As JSON.stringify writes a number: NaN and the infinities are null.
  const text = `","value":${Number.isFinite(value) ? value : 'null'},"flags":`;
  return Buffer.concat([Buffer.from(text), flagsBytes(flags), closed ? CLOSE : Buffer.alloc(0)]);
}

/** Whole values below this find their line ends by index rather than by hash. */
const SMALL_VALUES = 1_024;

interface MaskEnds {
  small: Array<Buffer | undefined>;
  other: Map<number, Buffer>;
}

/** Bytes of the slabs the kept line ends are copied into. */
const SLAB_BYTES = 16 * 1024;

/** lineEnd's bytes per flags mask and value: a series has few distinct values, and
 * most of its readings the same mask. */
class LineEnds {
  private mask = NaN;
  private ends: MaskEnds = { small: [], other: new Map() };
  private readonly byMask = new Map<number, MaskEnds>();
  /** The kept ends are copied into slabs of their own: a small Buffer is a slice of
   * Node's shared 8 kB pool, and one kept would keep its whole pool slice, with the ends
   * not kept around it (~8 MB for a day at 1 Hz of 64 masks and distinct values). */
  private slab = Buffer.alloc(0);
  private slabAt = 0;

  get(value: number, flags: number): Buffer {
    if (flags !== this.mask) {
      let ends = this.byMask.get(flags);
      if (ends === undefined) {
        if (this.byMask.size === MASKS) return lineEnd(value, flags, true);
        this.byMask.set(flags, (ends = { small: new Array<Buffer | undefined>(SMALL_VALUES).fill(undefined), other: new Map() }));
      }
      this.mask = flags;
      this.ends = ends;
    }
    const small = value >= 0 && value < SMALL_VALUES && (value | 0) === value;
    let end = small ? this.ends.small[value] : this.ends.other.get(value);
    if (end === undefined) {
      end = lineEnd(value, flags, true);
      if (small) this.ends.small[value] = end = this.keep(end);
      else if (this.ends.other.size < ENDS_PER_MASK) this.ends.other.set(value, (end = this.keep(end)));
    }
    return end;
  }

  private keep(bytes: Buffer): Buffer {
    if (this.slabAt + bytes.length > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes.length));
      this.slabAt = 0;
    }
    const kept = this.slab.subarray(this.slabAt, this.slabAt + bytes.length);
    bytes.copy(kept);
    this.slabAt += bytes.length;
    return kept;
  }
}

/** Lines of history readings gathered into one chunk for one socket write. */
export class HistoryLines {
  private buf: Buffer = Buffer.alloc(0);
  private at = 0;
  /** Lines written since the last take(). */
  private lines = 0;
  private readonly ends = new LineEnds();
  /** The size the next chunk's buffer starts with: the last chunk's, so a read like the
   * last grows none, up to MAX_CHUNK_START_BYTES. */
  private chunkBytes = MIN_CHUNK_BYTES;
  /** The last chunk's bytes a line: a run's room is asked for at once, not grown into. */
  private lineBytes = FIRST_LINE_BYTES;

  /** Times of the lines (each after the line's start) and of the device clocks. */
  private readonly times = new IsoTimes(LINE_START);
  private readonly deviceTimes = new IsoTimes();

  /** The lines of `run`'s readings start..end-1. */
  addRun(run: ReadingRun, start = 0, end = run.length): void {
    if (end <= start) return;
    this.reserve(LINE_BYTES + this.estimate(end - start));
    const { t_ms, value, flags, device_ms } = run;
    for (let i = start; i < end; i++) {
      const mask = flags[i]!;
      const deviceMs = device_ms[i]!;
      if ((mask & QualityFlag.CLOCK_SUSPECT) !== 0 && !Number.isNaN(deviceMs)) {
        this.addWithDevice(t_ms[i]!, value[i]!, mask, deviceMs, end - i - 1);
        continue;
      }
      const tail = this.ends.get(value[i]!, mask);
      if (this.at + LINE_BYTES + tail.length > this.buf.length) this.reserve(LINE_BYTES + tail.length + this.estimate(end - i - 1));
      const buf = this.buf;
      this.at = put(tail, buf, this.times.write(t_ms[i]!, buf, this.at));
    }
    this.lines += end - start;
  }

  private addWithDevice(tMs: number, value: number, flags: number, deviceMs: number, linesAfter: number): void {
    const tail = lineEnd(value, flags, false);
    if (this.at + LINE_BYTES + tail.length > this.buf.length) this.reserve(LINE_BYTES + tail.length + this.estimate(linesAfter));
    const buf = this.buf;
    let at = this.times.write(tMs, buf, this.at);
    at = this.deviceTimes.write(deviceMs, buf, put(DEVICE, buf, put(tail, buf, at)));
    buf[at++] = QUOTE;
    this.at = put(CLOSE, buf, at);
  }

  /** The lines added since the last take(), as one chunk; the next ones go to a new
   * buffer (the socket may still hold this one). */
  take(): Buffer {
    const chunk = this.buf.subarray(0, this.at);
    if (this.lines > 0) this.lineBytes = this.at / this.lines;
    this.chunkBytes = Math.min(MAX_CHUNK_START_BYTES, Math.max(MIN_CHUNK_BYTES, this.at + LINE_BYTES));
    this.buf = Buffer.alloc(0);
    this.at = 0;
    this.lines = 0;
    return chunk;
  }

  /** The room `lines` more lines take, about: an eighth more than the last chunk's lines
   * took, as a series' lines differ little. */
  private estimate(lines: number): number {
    return Math.ceil(lines * this.lineBytes * 1.125);
  }

  /** Room for `bytes` more. A bigger buffer is at least half as big again, so the copies
   * of a chunk of many small runs stay linear. */
  private reserve(bytes: number): void {
    if (this.at + bytes <= this.buf.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(this.at + bytes, this.buf.length + (this.buf.length >> 1), this.chunkBytes));
    this.buf.copy(bigger, 0, 0, this.at);
    this.buf = bigger;
  }
}
