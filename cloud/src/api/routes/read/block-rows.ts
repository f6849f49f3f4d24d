/**
 * One vital_blocks row's readings, unpacked in the service as vital_block_rows()
 * (migration 008) unpacks them in SQL, from the arrays as text (history-sql.ts):
 * - t: t_first + the running sum of the time deltas (dt or dt64) x t_unit_us;
 * - value: the running sum of dv / v_scale, as a float4 (then printed as PostgreSQL
 *   prints a real: float4AsPostgres), or v_raw as it is when v_scale is 0;
 * - flags: 0 when the block has none; received_at: t + lag x lag_unit_us.
 * Only readings in [fromUs, toUs) are kept. history-sql.test.ts compares the result
 * with HISTORY_SQL's, over every encoding the compaction job writes. The integer arrays
 * are read digit by digit: a day of a 1 Hz metric is ~350,000 numbers, and split + Number
 * made garbage of every one.
 */
import { float4AsPostgres } from '../../../lifecycle/archive/archived-readings.js';
import { ReadingRun, type TimedReading } from './history-line.js';
import type { HourRow } from './history-sql.js';

/** A block's readings with their times in µs too, for an hour of several sources, whose
 * readings are sorted together (hour-rows.ts). */
export class TimedRun extends ReadingRun {
  readonly t_us: Float64Array;

  constructor(capacity: number) {
    super(capacity);
    this.t_us = new Float64Array(capacity);
  }

  reading(i: number): TimedReading {
    return { t_us: this.t_us[i]!, ...this.row(i) };
  }
}

const COMMA = 44;
const MINUS = 45;
const ZERO = 48;

/** The comma-separated integers of `text` (array_to_string of an int array, or
 * string_agg of ints), n of them. */
export function integers(text: string, n: number): Float64Array {
  const out = new Float64Array(n);
  let k = 0;
  let value = 0;
  let negative = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : COMMA;
    if (c === COMMA) {
      if (k < n) out[k] = negative ? -value : value;
      k++;
      value = 0;
      negative = false;
    } else if (c === MINUS) negative = true;
    else value = value * 10 + (c - ZERO);
  }
  if (k !== n) throw new RangeError(`a list of ${n} integers has ${k}`);
  return out;
}

/** A scaled block's value of running sum `k`, as PostgreSQL prints the float4, per k:
 * a series has few distinct values, and float4AsPostgres of one that is not a whole
 * number tries toPrecision up to 9 times. */
class ScaledValues {
  private readonly byK = new Map<number, number>();

  constructor(private readonly scale: number) {}

  of(k: number): number {
    const v = Math.fround(k / this.scale);
    if (Number.isInteger(v)) return float4AsPostgres(v); // most vitals: no work to save
    let value = this.byK.get(k);
    if (value === undefined) this.byK.set(k, (value = float4AsPostgres(v)));
    return value;
  }
}

/** The readings of block `b` in [fromUs, toUs), column by column. */
export function blockRun(b: HourRow, fromUs: number, toUs: number, suspectBit: number): TimedRun {
  const n = b.n!;
  const dt = integers(b.dt!, n);
  const dv = b.dv === null ? null : integers(b.dv, n);
  const vr = b.vr === null ? null : b.vr.split(',');
  if (vr !== null && vr.length !== n) throw new RangeError(`a block of ${n} readings has ${vr.length} raw values`);
  const fl = b.fl === null ? null : integers(b.fl, n);
  // The clock lags show only on CLOCK_SUSPECT readings: parsed for a block that has one.
  let lag: Float64Array | undefined;
  const tUnit = b.t_unit_us!;
  const scaled = dv === null ? null : new ScaledValues(b.v_scale!);
  const lagUnit = b.lag_unit_us!;
  const run = new TimedRun(n);
  const { t_us, t_ms, value, flags, device_ms } = run;
  let t = b.t_us;
  let k = 0;
  let j = 0;
  for (let i = 0; i < n; i++) {
    t += dt[i]! * tUnit;
    if (dv !== null) k += dv[i]!;
    if (t < fromUs || t >= toUs) continue;
    const mask = fl === null ? 0 : fl[i]!;
    t_us[j] = t;
    t_ms[j] = Math.floor(t / 1000);
    value[j] = scaled !== null ? scaled.of(k) : Number(vr![i]);
    flags[j] = mask;
    if ((mask & suspectBit) !== 0) {
      lag ??= integers(b.lag!, n);
      device_ms[j] = Math.floor((t + lag[i]! * lagUnit) / 1000);
    } else device_ms[j] = NaN;
    j++;
  }
  run.length = j;
  return run;
}
