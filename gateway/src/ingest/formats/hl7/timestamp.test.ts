import { describe, expect, it } from 'vitest';
import { formatHl7Time, parseHl7Time } from './timestamp.js';

describe('parseHl7Time', () => {
  it('reads minute to 1/10000 s precision, with and without offsets', () => {
    expect(parseHl7Time('202611290830')).toBe(Date.UTC(2026, 10, 29, 8, 30));
    expect(parseHl7Time('20261129083015')).toBe(Date.UTC(2026, 10, 29, 8, 30, 15));
    expect(parseHl7Time('20261129083015.250+0100')).toBe(Date.UTC(2026, 10, 29, 7, 30, 15, 250));
    expect(parseHl7Time('20261129083015.2-0330')).toBe(Date.UTC(2026, 10, 29, 12, 0, 15, 200));
    expect(parseHl7Time('20261129083015.1235')).toBe(Date.UTC(2026, 10, 29, 8, 30, 15, 124));
    expect(parseHl7Time('20261231235959.9999+0000')).toBe(Date.UTC(2027, 0, 1, 0, 0, 0, 0));
    expect(parseHl7Time('202611290830-0000')).toBe(Date.UTC(2026, 10, 29, 8, 30));
  });

  it('uses the device offset only when the value has none', () => {
    expect(parseHl7Time('20261129083015', 120)).toBe(Date.UTC(2026, 10, 29, 6, 30, 15));
    expect(parseHl7Time('20261129083015+0000', 120)).toBe(Date.UTC(2026, 10, 29, 8, 30, 15));
  });

  it('returns null for empty and refuses what is not an instant', () => {
    expect(parseHl7Time('  ')).toBeNull();
    for (const bad of ['2026112908', '20261129083015.', '20261129083015.12345', '20260230083000', '20261129243000', '20261129086000', '20261129083060', '20261129083000+1500', '20261129083000+0160', '2026-11-29T08:30:00', 'x20261129083000', '20261129083000Z']) {
      expect(() => parseHl7Time(bad), bad).toThrow(expect.objectContaining({ code: 'WL_INGEST_BAD_TIMESTAMP' }));
    }
  });

  it('reads a year before 100 as itself, and refuses year 0000 (a dead clock battery sends such)', () => {
    expect(new Date(parseHl7Time('005001011200')!).toISOString()).toBe('0050-01-01T12:00:00.000Z');
    expect(() => parseHl7Time('000001011200')).toThrow(expect.objectContaining({ code: 'WL_INGEST_BAD_TIMESTAMP' }));
  });

  it('accepts 29 February only in leap years', () => {
    expect(parseHl7Time('202802291200')).toBe(Date.UTC(2028, 1, 29, 12));
    expect(() => parseHl7Time('202702291200')).toThrow(expect.objectContaining({ code: 'WL_INGEST_BAD_TIMESTAMP' }));
  });

  it('formats UTC for ACKs', () => {
    expect(formatHl7Time(Date.UTC(2026, 0, 2, 3, 4, 5, 678))).toBe('20260102030405+0000');
  });
});
