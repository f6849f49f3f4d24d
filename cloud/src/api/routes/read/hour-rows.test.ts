/** How many rows the history cursor reads next: about the same number of readings whether
 * its rows are single readings or blocks of an hour. */
import { describe, expect, it } from 'vitest';
import { historyBatchRows } from './hour-rows.js';

const rows = (count: number, n: number | null) => Array.from({ length: count }, () => ({ n }));

describe('historyBatchRows', () => {
  it('reads 1,000 rows after rows, one block after blocks, and never none', () => {
    expect(historyBatchRows(rows(8, null))).toBe(1_000);
    expect(historyBatchRows(rows(8, 3_600))).toBe(1); // 1 Hz blocks: an hour (3,600 readings) a read
    expect(historyBatchRows(rows(8, 600))).toBe(4); // 1/6 Hz blocks: ~2,400 readings a read
    expect(historyBatchRows(rows(8, 4))).toBe(625); // a blood pressure every 15 min: 625 hours, ~2,500 readings
    expect(historyBatchRows(rows(1, 360_000))).toBe(1); // a 100 Hz series: one hour at a time
    expect(historyBatchRows([...rows(500, null), ...rows(2, 3_600)])).toBe(162); // 502 rows holding 7,700 readings: ~2,500 a read
  });
});
