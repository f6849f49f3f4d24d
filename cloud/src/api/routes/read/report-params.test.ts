/** The report periods: calendar dates and ISO 8601 weeks as UTC ranges. */
import { describe, expect, it } from 'vitest';
import { isoWeekMonday, parseReportDate, parseReportWeek } from './report-params.js';

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString().slice(0, 10));

describe('report periods', () => {
  it('finds the Monday of ISO weeks, including week 1 starting in the previous year', () => {
    expect(iso(isoWeekMonday(2026, 1))).toBe('2025-12-29');
    expect(iso(isoWeekMonday(2026, 15))).toBe('2026-04-06');
    expect(iso(isoWeekMonday(2021, 1))).toBe('2021-01-04');
    expect(iso(isoWeekMonday(2020, 53))).toBe('2020-12-28'); // 2020 has 53 weeks
    expect(iso(isoWeekMonday(2026, 53))).toBe('2026-12-28'); // so has 2026 (it starts on a Thursday)
    expect(isoWeekMonday(2021, 53)).toBeUndefined(); // 2021 has 52
    expect(isoWeekMonday(99, 1)).toBeUndefined();
  });

  it('turns a date and a week into [from, to) ranges of whole UTC days', () => {
    expect(parseReportDate('2024-02-29')).toEqual({ from: new Date('2024-02-29T00:00:00Z'), to: new Date('2024-03-01T00:00:00Z'), label: '2024-02-29' });
    expect(parseReportWeek('2026-W01')).toEqual({ from: new Date('2025-12-29T00:00:00Z'), to: new Date('2026-01-05T00:00:00Z'), label: '2026-W01' });
    expect(() => parseReportDate('2023-02-29')).toThrow(expect.objectContaining({ code: 'WL_API_INVALID_TIME', parameter: 'date' }));
    expect(() => parseReportDate('0099-01-01')).toThrow(expect.objectContaining({ code: 'WL_API_INVALID_TIME' }));
  });
});
