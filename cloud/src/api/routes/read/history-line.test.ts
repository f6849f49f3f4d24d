/** historyLine's template is byte-identical to the line JSON.stringify makes of the reading. */
import { describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import { historyLine, IsoTimes, type HistoryRow } from './history-line.js';
import { ndjsonLine } from './ndjson.js';
import { flagNames } from './vital-view.js';

/** The line as the route wrote it before the template: an object through JSON.stringify. */
function reference(r: HistoryRow): string {
  const line: Record<string, unknown> = { t: new Date(r.t_ms).toISOString(), value: r.value, flags: flagNames(r.flags) };
  if (r.flags & QualityFlag.CLOCK_SUSPECT) line.deviceClock = new Date(r.device_ms!).toISOString();
  return ndjsonLine(line);
}

describe('historyLine', () => {
  it('writes what JSON.stringify writes, for times, values and flags of every kind', () => {
    const times = new IsoTimes();
    const values = [72, 0, -0, 36.6, 0.1, 1e-7, -12.5, 1e21, 3.4028234663852886e38, NaN, Infinity, -Infinity];
    const masks = [0, 1, 2, 3, QualityFlag.CLOCK_SUSPECT, QualityFlag.CLOCK_SUSPECT | 1, 0x4000, 0x7fff];
    const starts = [Date.UTC(2026, 2, 1), Date.UTC(1969, 11, 31, 23, 59, 58), Date.UTC(2000, 1, 29, 23, 59), 0, Date.UTC(9999, 11, 31, 23, 59, 59)];
    let n = 0;
    for (const start of starts) {
      // Ascending times with steps that cross seconds, minutes and hours.
      for (let i = 0, ms = start; i < 400; i++, ms += [1, 999, 7, 60_000, 1_001, 59_999][i % 6]!) {
        const r: HistoryRow = { t_ms: ms, value: values[i % values.length]!, flags: masks[i % masks.length]!, device_ms: ms - 86_400_123 };
        expect(historyLine(r, times)).toBe(reference(r));
        n++;
      }
    }
    expect(n).toBe(2_000);
  });

  it('formats years outside 0000..9999 as Date does', () => {
    const times = new IsoTimes();
    for (const ms of [Date.UTC(10000, 0, 1, 0, 0, 1, 5), Date.UTC(-1, 5, 1), 8.64e15]) {
      expect(times.format(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
