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
import type { HistoryRow } from './history-line.js';
import type { HourRow } from './history-sql.js';

/** A reading with its time in µs, so one hour's readings sort exactly. */
export interface TimedReading extends HistoryRow {
  t_us: number;
}

const COMMA = 44;
const MINUS = 45;
const ZERO = 48;

/** The comma-separated integers of `text` (array_to_string of an int array), n of them. */
function integers(text: string, n: number): Float64Array {
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
  if (k !== n) throw new RangeError(`a block of ${n} readings has an array of ${k}`);
  return out;
}

export function blockReadings(b: HourRow, fromUs: number, toUs: number, suspectBit: number, out: TimedReading[]): void {
  const n = b.n!;
  const dt = integers(b.dt!, n);
  const dv = b.dv === null ? null : integers(b.dv, n);
  const vr = b.vr === null ? null : b.vr.split(',');
  if (vr !== null && vr.length !== n) throw new RangeError(`a block of ${n} readings has ${vr.length} raw values`);
  const fl = b.fl === null ? null : integers(b.fl, n);
  const lag = integers(b.lag!, n);
  const tUnit = b.t_unit_us!;
  const scale = b.v_scale!;
  const lagUnit = b.lag_unit_us!;
  let t = b.t_us;
  let k = 0;
  for (let i = 0; i < n; i++) {
    t += dt[i]! * tUnit;
    if (dv !== null) k += dv[i]!;
    if (t < fromUs || t >= toUs) continue;
    const value = dv !== null ? float4AsPostgres(Math.fround(k / scale)) : Number(vr![i]);
    const flags = fl === null ? 0 : fl[i]!;
    out.push({ t_us: t, t_ms: Math.floor(t / 1000), value, flags, device_ms: (flags & suspectBit) !== 0 ? Math.floor((t + lag[i]! * lagUnit) / 1000) : null });
  }
}
