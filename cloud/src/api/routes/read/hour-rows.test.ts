/** How many rows the history cursor reads next: about the same number of readings whether
 * its rows are single readings or blocks of an hour; and how the readings are given out
 * (a batch read ahead, an hour at a time). */
import { describe, expect, it } from 'vitest';
import { ManualClock, QualityFlag } from '@wardlink/shared';
import type { HourRow } from './history-sql.js';
import { historyBatchRows, HistorySourceClosedError, hourRowsSource, READ_CLOSE_TIMEOUT_MS } from './hour-rows.js';
import type { RowSource } from './row-source.js';

const rows = (count: number, n: number) => Array.from({ length: count }, () => ({ n }));

describe('historyBatchRows', () => {
  it('reads 1,000 rows after hours of a reading, one block after blocks, and never none', () => {
    expect(historyBatchRows(rows(8, 1))).toBe(1_000);
    expect(historyBatchRows(rows(8, 3_600))).toBe(1); // 1 Hz blocks: an hour (3,600 readings) a read
    expect(historyBatchRows(rows(8, 600))).toBe(4); // 1/6 Hz blocks: ~2,400 readings a read
    expect(historyBatchRows(rows(8, 4))).toBe(625); // a blood pressure every 15 min: 625 hours, ~2,500 readings
    expect(historyBatchRows(rows(1, 360_000))).toBe(1); // a 100 Hz series: one hour at a time
    expect(historyBatchRows([...rows(500, 1), ...rows(2, 3_600)])).toBe(162); // 502 rows holding 7,700 readings: ~2,500 a read
  });
});

/** Hour `hour`'s rows of vital_data, `count` readings a second apart, as the statement
 * gathers them (history-sql.ts: one row). */
const hourOf = (hour: number, count: number): HourRow[] => {
  const list = (f: (i: number) => number) => Array.from({ length: count }, (_, i) => f(i)).join(',');
  return [{ hour, plain: true, t_us: hour * 3_600e6, n: count, t_unit_us: null, v_scale: null, lag_unit_us: null, dt: list((i) => i * 1e6), dv: null, vr: list((i) => i % 50), fl: list(() => 0), lag: null }];
};

/** A source of `batches`, counting reads and closing with what it was given. */
function scripted(batches: Array<HourRow[] | Error>) {
  const state = { reads: 0, closed: undefined as unknown, closedWhilePending: false, pending: 0 };
  const source: RowSource<HourRow> = {
    async next() {
      const batch = batches[state.reads++] ?? [];
      state.pending++;
      await new Promise((resolve) => setImmediate(resolve));
      state.pending--;
      if (batch instanceof Error) throw batch;
      return batch;
    },
    async close(failure?: unknown) {
      state.closedWhilePending = state.pending > 0;
      state.closed = failure ?? 'closed';
    },
  };
  return { source, state };
}

const RANGE = { from: new Date(0), to: new Date(86_400_000), suspectBit: QualityFlag.CLOCK_SUSPECT };

describe('an hour of rows of vital_data', () => {
  it('is put in time order when the scan did not keep it, readings at the same time in the order scanned', async () => {
    // Times (µs after the hour) as a bitmap scan may give them, two at the same time.
    const row: HourRow = { hour: 1, plain: true, t_us: 3_600e6, n: 5, t_unit_us: null, v_scale: null, lag_unit_us: null, dt: '3000000,1000,2000000,1000,0', dv: null, vr: '3,1,2,-1,NaN', fl: '0,8,0,0,1', lag: '1234567' };
    const { source } = scripted([[row]]);
    const readings = hourRowsSource(source, RANGE);
    expect(await readings.next()).toEqual([
      { t_ms: 3_600_000, value: NaN, flags: 1, device_ms: null },
      { t_ms: 3_600_001, value: 1, flags: 8, device_ms: 1_234_567 },
      { t_ms: 3_600_001, value: -1, flags: 0, device_ms: null },
      { t_ms: 3_602_000, value: 2, flags: 0, device_ms: null },
      { t_ms: 3_603_000, value: 3, flags: 0, device_ms: null },
    ]);
    await readings.close();
  });

  it('is refused when a clock-suspect reading comes without its device clock, never shown without it', async () => {
    const row: HourRow = { hour: 1, plain: true, t_us: 3_600e6, n: 2, t_unit_us: null, v_scale: null, lag_unit_us: null, dt: '0,1000', dv: null, vr: '1,2', fl: '0,8', lag: null };
    const { source } = scripted([[row]]);
    const readings = hourRowsSource(source, RANGE);
    await expect(readings.next()).rejects.toThrow(/clock-suspect/);
    await readings.close().catch(() => undefined);
  });
});

describe('hourRowsSource', () => {
  it('reads the next batch while this one is given out, and gives a batch of several hours out an hour at a time', async () => {
    const { source, state } = scripted([[...hourOf(1, 2_600), ...hourOf(2, 2_600), ...hourOf(3, 10)], hourOf(4, 5)]);
    const readings = hourRowsSource(source, RANGE);
    const sizes: number[] = [];
    const reads: number[] = [];
    for (let runs = await readings.nextRuns(); runs.length > 0; runs = await readings.nextRuns()) {
      sizes.push(runs.reduce((n, r) => n + r.length, 0));
      reads.push(state.reads);
    }
    // Hour 3 is complete only once the next batch shows hour 4, which is given out at the end.
    expect(sizes).toEqual([2_600, 2_600, 10, 5]);
    expect(reads[0]).toBe(2); // the second batch was asked for before the first hour was given out
    await readings.close();
    expect(state.closed).toBe('closed');
  });

  it('waits for the read ahead before closing the cursor, and closes it as broken when that read failed', async () => {
    const failure = new Error('connection lost');
    const { source, state } = scripted([[...hourOf(1, 3_000), ...hourOf(2, 1)], failure]);
    const readings = hourRowsSource(source, RANGE);
    expect((await readings.nextRuns())[0]!.length).toBe(3_000);
    expect(state.pending).toBe(1);
    await readings.close();
    expect(state.closedWhilePending).toBe(false);
    expect(state.closed).toBe(failure);
  });

  it('gives the failure of a read ahead to the next call', async () => {
    const failure = new Error('statement timeout');
    const { source } = scripted([[...hourOf(1, 3_000), ...hourOf(2, 1)], failure]);
    const readings = hourRowsSource(source, RANGE);
    await readings.nextRuns();
    await expect(readings.nextRuns()).rejects.toBe(failure);
  });

  it('waits for a read nextRuns() itself started, and no longer than the close timeout, before closing', async () => {
    const { source, state, answer } = held();
    const clock = new ManualClock(0);
    const readings = hourRowsSource(source, RANGE, clock);
    const reading = readings.nextRuns(); // the first read: none read ahead yet
    reading.catch(() => undefined);
    const closing = readings.close();
    await settle();
    expect(state.closed).toBeUndefined(); // the read is under way: the cursor cannot close yet
    clock.advance(READ_CLOSE_TIMEOUT_MS - 1);
    await settle();
    expect(state.closed).toBeUndefined();
    clock.advance(1);
    await closing;
    // Not answered in time (a host gone silent): closed as broken, so the connection is dropped.
    expect(state.closed).toBeInstanceOf(Error);
    expect((state.closed as Error).message).toMatch(/not answered within 2000 ms/);
    answer(hourOf(1, 10));
    await expect(reading).rejects.toBeInstanceOf(HistorySourceClosedError);
    expect(state.reads).toBe(1); // no read after the close
  });

  it('closes as the read ended when it is answered within the close timeout, and at once after a failure', async () => {
    const clock = new ManualClock(0);
    const answered = held();
    const readings = hourRowsSource(answered.source, RANGE, clock);
    readings.nextRuns().catch(() => undefined);
    const closing = readings.close();
    answered.answer(hourOf(1, 10));
    await closing;
    expect(answered.state.closed).toBe('closed');

    const failed = held();
    const failing = hourRowsSource(failed.source, RANGE, clock);
    failing.nextRuns().catch(() => undefined);
    const failure = new Error('client went away');
    await failing.close(failure); // no clock advance: no waiting
    expect(failed.state.closed).toBe(failure);
  });
});

/** A source whose reads are answered only when the test says so (`answer`). */
function held() {
  const state = { reads: 0, closed: undefined as unknown };
  let answers: Array<(rows: HourRow[]) => void> = [];
  const source: RowSource<HourRow> = {
    next() {
      state.reads++;
      return new Promise<HourRow[]>((resolve) => answers.push(resolve));
    },
    async close(failure?: unknown) {
      state.closed = failure ?? 'closed';
    },
  };
  const answer = (rows: HourRow[]) => {
    const pending = answers;
    answers = [];
    for (const resolve of pending) resolve(rows);
  };
  return { source, state, answer };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
