/** HistoryLines writes, byte for byte, the lines JSON.stringify makes of the readings. */
import { describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import { HistoryLines, IsoTimes, ReadingRun, type HistoryRow } from './history-line.js';
import { ndjsonLine } from './ndjson.js';
import { flagNames } from './vital-view.js';

/** The line as the route wrote it before the template: an object through JSON.stringify. */
function reference(r: HistoryRow): string {
  const line: Record<string, unknown> = { t: new Date(r.t_ms).toISOString(), value: r.value, flags: flagNames(r.flags) };
  if (r.flags & QualityFlag.CLOCK_SUSPECT) line.deviceClock = new Date(r.device_ms!).toISOString();
  return ndjsonLine(line);
}

describe('HistoryLines', () => {
  it('writes what JSON.stringify writes, for times, values and flags of every kind', () => {
    const lines = new HistoryLines();
    const values = [72, 0, -0, 36.6, 0.1, 1e-7, -12.5, 1e21, 3.4028234663852886e38, NaN, Infinity, -Infinity, -7, 999_999_999_999_999, -1e15, 1e15, 123_456.5, 2 ** 53, -5e-324];
    const masks = [0, 1, 2, 3, QualityFlag.CLOCK_SUSPECT, QualityFlag.CLOCK_SUSPECT | 1, 0x4000, 0x7fff, -1];
    const starts = [Date.UTC(2026, 2, 1), Date.UTC(1969, 11, 31, 23, 59, 58), Date.UTC(2000, 1, 29, 23, 59), 0, Date.UTC(9999, 11, 31, 23, 59, 59)];
    let expected = '';
    let text = '';
    for (const start of starts) {
      // Ascending times with steps that cross seconds, minutes and hours.
      const rows: HistoryRow[] = [];
      for (let i = 0, ms = start; i < 400; i++, ms += [1, 999, 7, 60_000, 1_001, 59_999][i % 6]!) {
        rows.push({ t_ms: ms, value: values[i % values.length]!, flags: masks[i % masks.length]!, device_ms: ms - 86_400_123 });
      }
      for (const r of rows) expected += reference(r);
      // Written in pieces of every size: a chunk outgrows its first buffer, the next starts small.
      const run = ReadingRun.of(rows);
      for (let at = 0, size = 1; at < run.length; at += size, size *= 3) {
        lines.addRun(run, at, Math.min(run.length, at + size));
        text += lines.take().toString('latin1');
      }
    }
    expect(expected.split('\n')).toHaveLength(2_001);
    expect(text).toBe(expected);
  });

  it('writes lines longer than the first buffer, and times of years beyond 9999 and before 0', () => {
    const lines = new HistoryLines();
    const rows: HistoryRow[] = [];
    for (let i = 0; i < 5_000; i++) rows.push({ t_ms: Date.UTC(10000, 0, 1) + i * 1_001, value: -1.2345678901234568e-300, flags: 0x7fff, device_ms: Date.UTC(-1, 5, 1) });
    lines.addRun(ReadingRun.of(rows));
    const chunk = lines.take();
    expect(chunk.length).toBeGreaterThan(64 * 1024);
    expect(chunk.toString('latin1')).toBe(rows.map(reference).join(''));
    expect(lines.take().length).toBe(0);
  });

  it('writes the lines of more flag masks than it keeps the line ends of', () => {
    const lines = new HistoryLines();
    const rows: HistoryRow[] = [];
    for (let i = 0; i < 600; i++) rows.push({ t_ms: Date.UTC(2026, 2, 1) + i * 250, value: i % 7 === 0 ? 98.5 : i % 3, flags: i % 300, device_ms: Date.UTC(2026, 2, 1) - i });
    lines.addRun(ReadingRun.of(rows));
    expect(lines.take().toString()).toBe(rows.map(reference).join(''));
  });

  it('writes the lines of more distinct values than it keeps the line ends of, kept or not, in any mask', () => {
    const lines = new HistoryLines();
    const rows: HistoryRow[] = [];
    // 12 masks (4 of them CLOCK_SUSPECT) of 3,000 values each (whole ones below 1,024 and
    // others), every value twice: the second time from the kept line ends where there are some.
    for (let i = 0; i < 72_000; i++) {
      const k = i % 36_000;
      const tMs = Date.UTC(2026, 2, 1) + i * 1_000;
      rows.push({ t_ms: tMs, value: k % 3 === 0 ? k % 1_500 : k / 7, flags: (k % 12) * 2, device_ms: tMs - 5_000 });
    }
    const run = ReadingRun.of(rows);
    let text = '';
    for (let at = 0; at < run.length; at += 5_000) {
      lines.addRun(run, at, Math.min(run.length, at + 5_000));
      text += lines.take().toString('latin1');
    }
    expect(text).toBe(rows.map(reference).join(''));
  });

  it('sizes each chunk for its own lines: one large chunk does not make the later ones large', () => {
    const lines = new HistoryLines();
    const fast = new ReadingRun(360_000); // an hour at 100 Hz
    for (let i = 0; i < 360_000; i++) fast.push(Date.UTC(2026, 2, 1) + i * 10, 60 + (i % 40), 0, null);
    lines.addRun(fast);
    const big = lines.take();
    expect(big.length).toBeGreaterThan(19_000_000);
    expect(big.buffer.byteLength).toBeLessThan(1.5 * big.length);
    const hour = new ReadingRun(3_600); // then an hour at 1 Hz
    for (let i = 0; i < 3_600; i++) hour.push(Date.UTC(2026, 2, 1, 1) + i * 1_000, 60 + (i % 40), 0, null);
    for (let i = 0; i < 3; i++) {
      lines.addRun(hour);
      const chunk = lines.take();
      expect(chunk.toString('latin1')).toBe(Array.from({ length: 3_600 }, (_, j) => reference(hour.row(j))).join(''));
      expect(chunk.buffer.byteLength).toBeLessThan(2 * 1024 * 1024); // before: the 100 Hz hour's ~20 MB
    }
  });

  it('gives back the rows a run was made of', () => {
    const rows: HistoryRow[] = [
      { t_ms: 1, value: -0, flags: QualityFlag.CLOCK_SUSPECT, device_ms: 0 },
      { t_ms: 2, value: NaN, flags: 0, device_ms: null },
    ];
    const run = ReadingRun.of(rows);
    expect([run.row(0), run.row(1)]).toEqual(rows);
  });

  it('writes times as Date does, with years outside 0000..9999 and before a lead', () => {
    const times = new IsoTimes('{"t":"');
    const buf = Buffer.alloc(64);
    for (const ms of [Date.UTC(10000, 0, 1, 0, 0, 1, 5), Date.UTC(-1, 5, 1), 8.64e15, Date.UTC(2026, 2, 1, 23, 59, 59, 999), Date.UTC(2026, 2, 2), -1]) {
      expect(buf.toString('latin1', 0, times.write(ms, buf, 0))).toBe(`{"t":"${new Date(ms).toISOString()}`);
    }
  });
});
