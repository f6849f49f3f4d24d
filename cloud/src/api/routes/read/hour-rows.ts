/**
 * The history statement's rows (history-sql.ts: an hour's rows of vital_data, and whole
 * blocks, in hour order) as readings in time order: each hour is gathered, its blocks
 * and rows unpacked (block-rows.ts, plain-rows.ts), and sorted on its own when it has
 * more than one source (two devices, or late rows beside a block) or its rows did not
 * come in time order. Memory holds one hour of the series, whatever the range. The readings
 * come as runs (columns, history-line.ts), which the history route formats; next() gives
 * them as row objects, for the merge with archived days.
 */
import { systemClock, WardlinkError, type Clock } from '@wardlink/shared';
import { blockRun } from './block-rows.js';
import { ReadingRun, type HistoryRow, type TimedReading } from './history-line.js';
import type { HourRow } from './history-sql.js';
import { plainRun } from './plain-rows.js';
import { BATCH_ROWS, type RowSource } from './row-source.js';

/** The longest close() waits for a read still under way before it gives the connection
 * up: as long as a cursor's close may wait for its answer (row-source.ts,
 * CURSOR_CLOSE_TIMEOUT_MS), for the same database host that went silent without closing
 * the socket, whose read is never answered. */
export const READ_CLOSE_TIMEOUT_MS = 2_000;

const byTime = (a: TimedReading, b: TimedReading) => a.t_us - b.t_us;

/** Readings one cursor read should bring, about (BATCH_ROWS rows, or one block), and
 * that the route formats in one go on the event loop, which answers nothing else
 * meanwhile: at 10,000 a read held it ~25 ms, longer than a latest answer may take
 * (issue 17); 2,500 is about an hour of a 1 Hz series, unpacked and formatted in under
 * a millisecond (history-line.ts). Reads of 4 times as many, fewer round trips, made a
 * day's answer slower: the database and the service overlapped less (the cursor reads
 * one batch ahead). */
const READINGS_PER_READ = 2_500;

/** The next read's size: a row is a block or an hour's rows of vital_data, a few readings
 * or an hour's worth (3,600 at 1 Hz), so after hours of a 1 Hz series the cursor reads
 * one at a time. Memory then holds about READINGS_PER_READ readings (~140 kB of text)
 * however long the range, and one hour of a series at least. */
export function historyBatchRows(previous: unknown[]): number {
  let readings = 0;
  for (const r of previous as HourRow[]) readings += r.n;
  return Math.min(BATCH_ROWS, Math.max(1, Math.floor((READINGS_PER_READ * previous.length) / readings)));
}

function hourRun(hour: HourRow[], fromUs: number, toUs: number, suspectBit: number): ReadingRun {
  // The common case, a compacted hour of one device: the block's readings are in time
  // order, and are formatted from its columns with no object per reading.
  if (hour.length === 1 && !hour[0]!.plain) return blockRun(hour[0]!, fromUs, toUs, suspectBit);
  const runs = hour.map((r) => (r.plain ? plainRun(r, suspectBit) : { run: blockRun(r, fromUs, toUs, suspectBit), inOrder: true }));
  // An hour not compacted yet (one row, whatever its devices): in the index's time order.
  if (runs.length === 1 && runs[0]!.inOrder) return runs[0]!.run;
  const timed: TimedReading[] = [];
  for (const { run } of runs) for (let i = 0; i < run.length; i++) timed.push(run.reading(i));
  // The rows come in the order of their scan, which a bitmap scan does not keep, and
  // before the blocks of their hour. Array.sort is stable and linear on a run already in
  // order.
  timed.sort(byTime);
  return ReadingRun.of(timed);
}

/**
 * The readings of `rows` (HISTORY_STREAM_SQL's), about READINGS_PER_READ at a time.
 * - The cursor reads one batch ahead: the database unpacks the next blocks' arrays into
 *   text (most of its time for a day's answer) while the service formats and sends this
 *   batch's readings, instead of each waiting for the other. Memory holds two batches.
 * - A batch of several hours (the first read brings 8 rows, which may be 8 blocks of an
 *   hour each) is given out an hour at a time, so what the event loop does in one go stays
 *   about READINGS_PER_READ readings (or one hour) whatever the read brought.
 */
export class HourReadings implements RowSource<HistoryRow> {
  private readonly fromUs: number;
  private readonly toUs: number;
  private hour: HourRow[] = [];
  private batch: HourRow[] = [];
  private at = 0;
  /** The last read started whose rows are not taken yet: the one read ahead, or the one
   * nextRuns() waits for. It stays here until nextRuns() has its rows, so close() always
   * sees a read under way, however it was started. */
  private reading: Promise<HourRow[]> | undefined;
  private exhausted = false;
  private closing = false;

  constructor(
    private readonly rows: RowSource<HourRow>,
    private readonly range: { from: Date; to: Date; suspectBit: number },
    private readonly clock: Clock = systemClock,
  ) {
    this.fromUs = range.from.getTime() * 1000;
    this.toUs = range.to.getTime() * 1000;
  }

  /** The next hours' readings, one run an hour (none empty); none once exhausted. */
  async nextRuns(): Promise<ReadingRun[]> {
    const out: ReadingRun[] = [];
    let readings = 0;
    const flush = () => {
      const run = hourRun(this.hour, this.fromUs, this.toUs, this.range.suspectBit);
      if (run.length > 0) out.push(run);
      readings += run.length;
      this.hour = [];
    };
    for (;;) {
      if (this.at === this.batch.length) {
        if (this.exhausted || readings > 0) break;
        if (this.closing) throw new HistorySourceClosedError();
        this.reading ??= this.read();
        this.batch = await this.reading;
        this.reading = undefined;
        // close() ran meanwhile: it gave the rows up, so no read may follow.
        if (this.closing) throw new HistorySourceClosedError();
        this.at = 0;
        if (this.batch.length === 0) {
          this.exhausted = true;
          if (this.hour.length > 0) flush();
          break;
        }
        this.reading = this.read();
      }
      const r = this.batch[this.at]!;
      if (this.hour.length > 0 && r.hour !== this.hour[0]!.hour) {
        flush();
        if (readings >= READINGS_PER_READ) break;
      }
      this.hour.push(r);
      this.at++;
    }
    return out;
  }

  private read(): Promise<HourRow[]> {
    const read = this.rows.next();
    read.catch(() => undefined); // awaited by nextRuns() or by close(): never unhandled
    return read;
  }

  async next(): Promise<HistoryRow[]> {
    const rows: HistoryRow[] = [];
    for (const run of await this.nextRuns()) for (let i = 0; i < run.length; i++) rows.push(run.row(i));
    return rows;
  }

  async close(failure?: unknown): Promise<void> {
    this.closing = true;
    const reading = this.reading;
    this.reading = undefined;
    // The cursor closes only between reads, so a read under way is waited for, but no
    // longer than a cursor's close would be: a host gone silent never answers it, and the
    // request and its connection would be held until TCP gives up (minutes). After a
    // failure there is no waiting: the rows are closed as broken at once, which destroys
    // the connection and so ends the read (into its catch). A read that failed, or was
    // not answered in time, leaves the connection broken too.
    let broken = failure;
    if (broken === undefined && reading !== undefined) broken = await readFailure(reading, this.clock);
    await this.rows.close(broken);
  }
}

/** nextRuns() after (or during) close(): the rows were given up, so the readings would
 * end short. An error, not an empty answer, which would read as a complete one. */
export class HistorySourceClosedError extends WardlinkError {
  constructor() {
    super('WL_HISTORY_SOURCE_CLOSED', 'the history readings were read after their source was closed', {});
  }
}

/** How `read` ended within READ_CLOSE_TIMEOUT_MS: undefined when it brought rows, its
 * error when it failed, an error saying so when it was not answered in time. */
async function readFailure(read: Promise<unknown>, clock: Clock): Promise<unknown> {
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  const late = new Promise<Error>((resolve) => {
    timer = clock.setTimeout(() => resolve(new Error(`the read under way was not answered within ${READ_CLOSE_TIMEOUT_MS} ms of the close`)), READ_CLOSE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([read.then(() => undefined, (err: unknown) => err ?? new Error('the read failed')), late]);
  } finally {
    timer?.cancel();
  }
}

export function hourRowsSource(rows: RowSource<HourRow>, range: { from: Date; to: Date; suspectBit: number }, clock: Clock = systemClock): HourReadings {
  return new HourReadings(rows, range, clock);
}

/** Any history source as runs: HourReadings' own, or each batch of rows as one run (the
 * merge with archived days). */
export function readingRuns(source: RowSource<HistoryRow>): RowSource<ReadingRun> {
  if (source instanceof HourReadings) return { next: () => source.nextRuns(), close: (failure?: unknown) => source.close(failure) };
  return {
    next: async () => {
      const rows = await source.next();
      return rows.length === 0 ? [] : [ReadingRun.of(rows)];
    },
    close: (failure?: unknown) => source.close(failure),
  };
}
