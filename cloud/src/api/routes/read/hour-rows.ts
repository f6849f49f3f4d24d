/**
 * The history statement's rows (history-sql.ts: rows and whole blocks, in hour order)
 * as readings in time order: each hour is gathered, its blocks unpacked (block-rows.ts),
 * and sorted on its own when it has more than one source (two devices, or late rows
 * beside a block). Memory holds one hour of the series, whatever the range.
 */
import { blockReadings, type TimedReading } from './block-rows.js';
import type { HistoryRow } from './history-line.js';
import type { HourRow } from './history-sql.js';
import { BATCH_ROWS, type RowSource } from './row-source.js';

const byTime = (a: TimedReading, b: TimedReading) => a.t_us - b.t_us;

/** Readings one cursor read should bring, about (BATCH_ROWS rows, or one block): each
 * read's readings are unpacked and formatted in one go on the event loop, which answers
 * nothing else meanwhile; at 10,000 a read held it ~25 ms, longer than a latest answer
 * may take (issue 17), at 2,500 about an hour of a 1 Hz series (~6 ms). */
const READINGS_PER_READ = 2_500;

/** The next read's size: rows are one reading each, a block up to an hour's worth (3,600
 * at 1 Hz), so after blocks the cursor reads one at a time. Memory then holds about
 * READINGS_PER_READ readings (~140 kB of text) however long the range, and one hour of a series at least. */
export function historyBatchRows(previous: unknown[]): number {
  let readings = 0;
  for (const r of previous as HourRow[]) readings += r.n ?? 1;
  return Math.min(BATCH_ROWS, Math.max(1, Math.floor((READINGS_PER_READ * previous.length) / readings)));
}

function readingsOf(hour: HourRow[], fromUs: number, toUs: number, suspectBit: number): HistoryRow[] {
  const timed: TimedReading[] = [];
  for (const r of hour) {
    if (r.n === null) timed.push({ t_us: r.t_us, t_ms: Math.floor(r.t_us / 1000), value: r.value!, flags: r.flags!, device_ms: r.device_ms });
    else blockReadings(r, fromUs, toUs, suspectBit, timed);
  }
  // One block's readings are in time order; anything else is sorted (rows come in the
  // order of their scan, which a bitmap scan does not keep). Array.sort is stable and
  // linear on a run already in order.
  if (hour.length > 1 || hour[0]!.n === null) timed.sort(byTime);
  return timed;
}

export function hourRowsSource(rows: RowSource<HourRow>, range: { from: Date; to: Date; suspectBit: number }): RowSource<HistoryRow> {
  const fromUs = range.from.getTime() * 1000;
  const toUs = range.to.getTime() * 1000;
  let hour: HourRow[] = [];
  let exhausted = false;
  return {
    async next() {
      while (!exhausted) {
        const batch = await rows.next();
        if (batch.length === 0) exhausted = true;
        const out: HistoryRow[] = [];
        for (const r of batch) {
          if (hour.length > 0 && r.hour !== hour[0]!.hour) {
            for (const reading of readingsOf(hour, fromUs, toUs, range.suspectBit)) out.push(reading);
            hour = [];
          }
          hour.push(r);
        }
        if (exhausted && hour.length > 0) {
          for (const reading of readingsOf(hour, fromUs, toUs, range.suspectBit)) out.push(reading);
          hour = [];
        }
        if (out.length > 0) return out;
      }
      return [];
    },
    close: (failure?: unknown) => rows.close(failure),
  };
}
