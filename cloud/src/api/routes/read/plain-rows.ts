/**
 * An hour's rows of vital_data (not compacted yet), as the history statement gathers them
 * (history-sql.ts: `plain`, one row an hour with the readings' columns as text), unpacked
 * into the readings the statement gave one row each before: the same times, values (as
 * node-postgres parses a real's text), flags and device clocks, in the order of the scan.
 * history-sql.test.ts compares them with HISTORY_SQL's readings.
 */
import { integers, TimedRun } from './block-rows.js';
import type { HourRow } from './history-sql.js';

/** `r`'s readings, in the order PostgreSQL scanned them; `inOrder` when that is time
 * order (the index's, almost always), so the hour needs no sort. */
export function plainRun(r: HourRow, suspectBit: number): { run: TimedRun; inOrder: boolean } {
  const n = r.n;
  const dt = integers(r.dt, n);
  const fl = integers(r.fl!, n);
  const vr = r.vr!.split(',');
  if (vr.length !== n) throw new RangeError(`an hour of ${n} rows has ${vr.length} values`);
  // The device clocks of the CLOCK_SUSPECT rows only, in their order. A suspect row
  // without its clock would lose the deviceClock its line must show: refused, not guessed.
  const suspect = countSuspect(fl, suspectBit);
  if (r.lag === null && suspect > 0) throw new RangeError(`an hour of ${n} rows has ${suspect} clock-suspect rows and no device clocks`);
  const lag = r.lag === null ? null : integers(r.lag, suspect);
  const run = new TimedRun(n);
  const { t_us, t_ms, value, flags, device_ms } = run;
  let inOrder = true;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const t = r.t_us + dt[i]!;
    if (i > 0 && t < t_us[i - 1]!) inOrder = false;
    t_us[i] = t;
    t_ms[i] = Math.floor(t / 1000);
    value[i] = Number(vr[i]);
    flags[i] = fl[i]!;
    device_ms[i] = (fl[i]! & suspectBit) !== 0 && lag !== null ? lag[s++]! : NaN;
  }
  run.length = n;
  return { run, inOrder };
}

function countSuspect(fl: Float64Array, suspectBit: number): number {
  let count = 0;
  for (let i = 0; i < fl.length; i++) if ((fl[i]! & suspectBit) !== 0) count++;
  return count;
}
