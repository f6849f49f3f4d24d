/**
 * Turns a unit's rows (and the readings of the blocks they fall into) into blocks.
 * Readings are grouped by series and hour (hospital, patient, metric, gateway, device,
 * UTC hour) here, so the rows can be taken in any order (a DELETE ... RETURNING has no
 * ORDER BY, and its bitmap scan returns them in arrival order); within a group both
 * inputs are put in time order and merged in one pass. A reading already in a block wins
 * over a row with the same (metric, gateway, device, t): that is the same reading sent
 * again (a re-sent batch, a gateway's replay), and the first stored copy is the one kept,
 * as vital_data's ON CONFLICT DO NOTHING does.
 *
 * Cost: grouping keys are numbers made of dictionary ids (a string key per reading was
 * 0.5 µs of CPU per reading, a quarter of the job's), and a group's readings are gathered
 * into typed arrays for the encoder.
 */
import type { VitalColumns } from '../archive/columns.js';
import { encodeBlock, hourOf, HOUR_US, type EncodedBlock } from './block-encoder.js';
import type { BlockKey } from './block-copy.js';

export interface MergedBlock {
  key: BlockKey;
  block: EncodedBlock;
}

export interface MergeResult {
  blocks: MergedBlock[];
  /** Rows dropped because the same reading was already stored. */
  duplicates: number;
}

/** Pause for the event loop this often: the service's HTTP ingest shares the thread. */
const SLICE_MS = 5;
/** Readings grouped between two looks at the clock (few enough that a cold, not yet
 * optimized loop still looks often). */
const CHECK_ROWS = 1_024;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** One series' readings of one hour: row indexes into the rows and into the old readings. */
interface Group {
  key: Omit<BlockKey, 'bedId'>;
  hourUs: number;
  old: number[];
  rows: number[];
}

/** A side's readings grouped by series and hour, each group in time order. */
export interface Grouped {
  cols: VitalColumns;
  groups: Group[];
}

type TextName = 'hospital_id' | 'patient_id' | 'gateway_id' | 'device_id' | 'bed_id';

function text(cols: VitalColumns, column: TextName, i: number): string {
  const c = cols.text[column];
  return c.dict[c.ids[i]!]!;
}

/** Series numbers (hospital, patient, metric, gateway, device) are below this, so that
 * hour * SERIES_LIMIT + series is an exact integer key. */
const SERIES_LIMIT = 2 ** 21;
const METRIC_SLOTS = 64;

/**
 * Numbers each reading's series (hospital, patient, metric, gateway, device) from its
 * dictionary ids, without making a string: a unit is one patient, so the product of the
 * dictionaries is small. Past METRIC_SLOTS metrics or SERIES_LIMIT series it falls back
 * to numbering the series by a string key (correct, slower).
 */
function seriesNumbering(cols: VitalColumns): (i: number) => number {
  const ids = cols.text;
  const P = Math.max(1, ids.patient_id.dict.length);
  const G = Math.max(1, ids.gateway_id.dict.length);
  const D = Math.max(1, ids.device_id.dict.length);
  const metricIndex = new Map<number, number>();
  let lastMetric = Number.NaN;
  let lastM = 0;
  const packedSeries = Math.max(1, ids.hospital_id.dict.length) * P * METRIC_SLOTS * G * D;
  const packable = packedSeries <= SERIES_LIMIT;
  // Series numbered by string come after every packed number, so the two never meet.
  const firstByString = packable ? packedSeries : 0;
  const byString = new Map<string, number>();
  return (i) => {
    const metric = cols.metric[i]!;
    if (metric !== lastMetric) {
      let m = metricIndex.get(metric);
      if (m === undefined) metricIndex.set(metric, (m = metricIndex.size));
      lastMetric = metric;
      lastM = m;
    }
    if (packable && lastM < METRIC_SLOTS) return (((ids.hospital_id.ids[i]! * P + ids.patient_id.ids[i]!) * METRIC_SLOTS + lastM) * G + ids.gateway_id.ids[i]!) * D + ids.device_id.ids[i]!;
    const k = `${ids.hospital_id.ids[i]}\u0000${ids.patient_id.ids[i]}\u0000${metric}\u0000${ids.gateway_id.ids[i]}\u0000${ids.device_id.ids[i]}`;
    let n = byString.get(k);
    if (n === undefined) byString.set(k, (n = firstByString + byString.size));
    if (n >= SERIES_LIMIT) throw new RangeError(`too many series in one compaction unit (${byString.size} beyond the first ${METRIC_SLOTS} metrics)`);
    return n;
  };
}

/** Groups `cols` by series and hour, in the order of `cols` within each group, then sorts each group by time. */
export async function groupReadings(cols: VitalColumns, side: 'old' | 'rows'): Promise<Grouped> {
  const seriesOf = seriesNumbering(cols);
  const byKey = new Map<number, Group>();
  const groups: Group[] = [];
  let lastKey = Number.NaN;
  let last: Group | undefined;
  let sliceStart = performance.now();
  for (let i = 0; i < cols.length; i++) {
    if ((i & (CHECK_ROWS - 1)) === CHECK_ROWS - 1 && performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    const metric = cols.metric[i]!;
    const series = seriesOf(i);
    const hourUs = hourOf(cols.tUs[i]!);
    const key = (hourUs / HOUR_US) * SERIES_LIMIT + series;
    if (key !== lastKey) {
      let g = byKey.get(key);
      if (!g) {
        g = {
          key: { hospitalId: text(cols, 'hospital_id', i), patientId: text(cols, 'patient_id', i), metric, gatewayId: text(cols, 'gateway_id', i), deviceId: text(cols, 'device_id', i) },
          hourUs,
          old: [],
          rows: [],
        };
        byKey.set(key, g);
        groups.push(g);
      }
      lastKey = key;
      last = g;
    }
    last![side].push(i);
  }
  for (const g of groups) {
    inTimeOrder(g[side], cols.tUs, g.hourUs);
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
  }
  return { cols, groups };
}

/** "metric gateway device hourUs" of every (series, hour) of grouped rows (one patient's). */
export function touchedBlocks(rows: Grouped): Set<string> {
  return new Set(rows.groups.map((g) => blockRef(g.key.metric, g.key.gatewayId, g.key.deviceId, g.hourUs)));
}

export function blockRef(metric: number, gatewayId: string, deviceId: string, hourUs: number): string {
  return `${metric}\u0000${gatewayId}\u0000${deviceId}\u0000${hourUs}`;
}

/** Sorts a group's row indexes by time, unless they already are (the usual case: a
 * device sends its readings in time order; but two sessions loading at once interleave
 * their rows in the heap, which a bitmap scan returns in that order). */
function inTimeOrder(indexes: number[], tUs: ArrayLike<number>, hourUs: number): void {
  for (let k = 1; k < indexes.length; k++) {
    if (tUs[indexes[k]!]! < tUs[indexes[k - 1]!]!) {
      sortByTime(indexes, tUs, hourUs);
      return;
    }
  }
}

const POSITION_BITS = 2 ** 20;

/**
 * A native numeric sort of (time in the hour, position) packed in one double: exact, as
 * the time is below 2^32 µs and the position below 2^20 (a comparator sort was ~10x
 * slower, and blocked the event loop for tens of ms on an hour of 1 Hz readings).
 */
function sortByTime(indexes: number[], tUs: ArrayLike<number>, hourUs: number): void {
  const n = indexes.length;
  if (n >= POSITION_BITS) {
    indexes.sort((a, b) => tUs[a]! - tUs[b]!);
    return;
  }
  const packed = new Float64Array(n);
  for (let k = 0; k < n; k++) packed[k] = (tUs[indexes[k]!]! - hourUs) * POSITION_BITS + k;
  packed.sort();
  const before = indexes.slice();
  for (let k = 0; k < n; k++) indexes[k] = before[packed[k]! % POSITION_BITS]!;
}

/** Merges `rows` (from vital_data) into `old` (readings of existing blocks). */
export async function mergeIntoBlocks(rowsIn: VitalColumns | Grouped, old: VitalColumns | undefined, aggMask: number): Promise<MergeResult> {
  const rowSide = 'groups' in rowsIn ? rowsIn : await groupReadings(rowsIn, 'rows');
  const rows = rowSide.cols;
  // Each side is grouped by its own dictionary ids; the two are joined by value.
  const valueKey = (g: Group) => JSON.stringify([g.key.hospitalId, g.key.patientId, g.key.metric, g.key.gatewayId, g.key.deviceId, g.hourUs]);
  const groups = new Map<string, Group>();
  for (const g of rowSide.groups) groups.set(valueKey(g), g);
  if (old) {
    for (const g of (await groupReadings(old, 'old')).groups) {
      const match = groups.get(valueKey(g));
      if (match) match.old = g.old;
      else groups.set(valueKey(g), g);
    }
  }

  const out: MergedBlock[] = [];
  let duplicates = 0;
  let sliceStart = performance.now();
  const series = new Gathered();
  for (const g of groups.values()) {
    if (performance.now() - sliceStart >= SLICE_MS) {
      await yieldToEventLoop();
      sliceStart = performance.now();
    }
    series.reset(g.old.length + g.rows.length);
    let a = 0;
    let b = 0;
    while (a < g.old.length || b < g.rows.length) {
      const ta = a < g.old.length ? old!.tUs[g.old[a]!]! : Infinity;
      const tb = b < g.rows.length ? rows.tUs[g.rows[b]!]! : Infinity;
      if (ta === tb) {
        b++; // the stored copy wins
        duplicates++;
      } else if (ta < tb) series.push(old!, g.old[a++]!);
      else series.push(rows, g.rows[b++]!);
    }
    for (const [bedId, readings] of series.byBed()) out.push({ key: { ...g.key, bedId }, block: encodeBlock(readings, aggMask) });
  }
  return { blocks: out, duplicates };
}

/** One group's readings in time order, split by bed (almost always one) when encoded. */
class Gathered {
  private n = 0;
  private tUs = new Float64Array(4_096);
  private receivedUs = new Float64Array(4_096);
  private batchSeq = new Float64Array(4_096);
  private value = new Float64Array(4_096);
  private flags = new Int32Array(4_096);
  private bed: string[] = [];
  private sameBed = true;
  private lastBedCols: VitalColumns | undefined;
  private lastBedId = -1;

  /** Empties it for a group of at most `size` readings. */
  reset(size: number): void {
    if (size > this.tUs.length) {
      const cap = Math.max(size, this.tUs.length * 2);
      this.tUs = new Float64Array(cap);
      this.receivedUs = new Float64Array(cap);
      this.batchSeq = new Float64Array(cap);
      this.value = new Float64Array(cap);
      this.flags = new Int32Array(cap);
    }
    this.n = 0;
    this.bed.length = 0;
    this.sameBed = true;
    this.lastBedCols = undefined;
    this.lastBedId = -1;
  }

  push(cols: VitalColumns, i: number): void {
    const k = this.n++;
    this.tUs[k] = cols.tUs[i]!;
    this.receivedUs[k] = cols.receivedUs[i]!;
    this.batchSeq[k] = cols.batchSeq[i]!;
    this.value[k] = cols.value[i]!;
    this.flags[k] = cols.flags[i]!;
    const bedId = cols.text.bed_id.ids[i]!;
    // A bed's text is looked up only when the bed (or the side) changes.
    if (cols !== this.lastBedCols || bedId !== this.lastBedId) {
      const bed = text(cols, 'bed_id', i);
      if (this.bed.length > 0 && bed !== this.bed[this.bed.length - 1]) this.sameBed = false;
      this.lastBedCols = cols;
      this.lastBedId = bedId;
      while (this.bed.length < k) this.bed.push(this.bed[this.bed.length - 1]!);
      this.bed.push(bed);
    }
  }

  *byBed(): Generator<[string, { tUs: Float64Array; receivedUs: Float64Array; batchSeq: Float64Array; value: Float64Array; flags: Int32Array; start: number; end: number }]> {
    if (this.n === 0) return;
    const all = { tUs: this.tUs, receivedUs: this.receivedUs, batchSeq: this.batchSeq, value: this.value, flags: this.flags, start: 0, end: this.n };
    if (this.sameBed) {
      yield [this.bed[0]!, all];
      return;
    }
    while (this.bed.length < this.n) this.bed.push(this.bed[this.bed.length - 1]!);
    for (const bed of new Set(this.bed)) {
      const pick: number[] = [];
      for (let k = 0; k < this.n; k++) if (this.bed[k] === bed) pick.push(k);
      const sel = <T extends Float64Array | Int32Array>(xs: T, make: (n: number) => T): T => {
        const out = make(pick.length);
        pick.forEach((k, j) => (out[j] = xs[k]!));
        return out;
      };
      const f64 = (n: number) => new Float64Array(n);
      yield [bed, { tUs: sel(this.tUs, f64), receivedUs: sel(this.receivedUs, f64), batchSeq: sel(this.batchSeq, f64), value: sel(this.value, f64), flags: sel(this.flags, (n) => new Int32Array(n)), start: 0, end: pick.length }];
    }
  }
}

export type { EncodedBlock };
