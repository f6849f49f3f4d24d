/**
 * The export itself (run by export.ts in a worker thread): one (detached) partition to
 * Parquet, one file per hospital, in constant memory: a single `COPY ... TO STDOUT (FORMAT binary)` streams the table (a COPY is
 * PostgreSQL's cursor for whole-table reads: no per-row round trips, and TCP
 * backpressure pauses the server while a row group is being written). Rows go to the
 * builder of their hospital; a full builder (or the largest one, when every builder
 * together holds maxBufferedRows) is put in device-then-time order and written as a
 * row group. Nothing is recorded here: the caller commits the result.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { to as copyTo } from 'pg-copy-streams';
import type pg from 'pg';
import { sleep, systemClock } from '@wardlink/shared';
import { ColumnBuilder, deviceTimeOrder, gather } from './columns.js';
import { VitalCopyParser } from './copy-parser.js';
import { daySourceSql } from './day-source.js';
import { ParquetFileWriter, type WrittenFile } from './parquet-writer.js';
import { StatsAccumulator, type ArchiveStats } from './stats.js';

export interface ExportedFile {
  hospitalId: string;
  file: WrittenFile;
  stats: ArchiveStats;
}

interface HospitalSink {
  hospitalId: string;
  builder: ColumnBuilder;
  stats: StatsAccumulator;
  writer?: ParquetFileWriter;
  path: string;
}

const SLICE_ROWS = 65_536;

/**
 * The COPY stream's bytes in large pieces. PostgreSQL sends one message per row, so
 * iterating the stream directly costs a promise per ~100-byte row; read() without a size
 * returns everything buffered at once.
 */
export async function* batched(stream: Readable): AsyncGenerator<Buffer> {
  let failure: Error | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  stream.on('readable', signal);
  stream.once('end', () => ((ended = true), signal()));
  stream.once('error', (err) => ((failure = err), signal()));
  try {
    for (;;) {
      const chunk = stream.read() as Buffer | null;
      if (chunk) {
        yield chunk;
        continue;
      }
      if (failure) throw failure;
      if (ended) return;
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    stream.off('readable', signal);
    if (!ended) stream.destroy();
  }
}
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export const stagedFileName = (hospitalId: string) => `${encodeURIComponent(hospitalId)}.parquet`;

export interface ExportSettings {
  rowGroupRows: number;
  maxBufferedRows: number;
  /** Pause this fraction of the time worked (0 = full speed), every 50 ms or so: leaves
   * CPU to ingest on a small machine; PostgreSQL's COPY waits meanwhile (backpressure). */
  pauseRatio: number;
}

/**
 * Streams `table` into `<dir>/<hospital>.parquet` files (the folder is emptied first)
 * over `client`, a connection of its own. `metadata(hospitalId)` gives each file's
 * key-value metadata; `progress` hears of every million rows.
 */
export async function exportWithClient(
  client: pg.ClientBase,
  table: string,
  dir: string,
  settings: ExportSettings,
  metadata: (hospitalId: string) => Record<string, string>,
  progress: (rows: number) => void = () => undefined,
): Promise<ExportedFile[]> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const { rowGroupRows, maxBufferedRows } = settings;
  const sinks = new Map<string, HospitalSink>();
  const sinkFor = (hospitalId: string): HospitalSink => {
    let sink = sinks.get(hospitalId);
    if (!sink) {
      sink = { hospitalId, builder: new ColumnBuilder(rowGroupRows), stats: new StatsAccumulator(), path: join(dir, stagedFileName(hospitalId)) };
      sinks.set(hospitalId, sink);
    }
    return sink;
  };
  const byBuilder = new Map<ColumnBuilder, HospitalSink>();
  const parser = new VitalCopyParser(table, (hospitalId) => {
    const sink = sinkFor(hospitalId);
    byBuilder.set(sink.builder, sink);
    return sink.builder;
  });

  // A block is sorted once, then gathered and written in slices: memory holds the block
  // plus one slice, and an event loop running this inline is never held for long.
  const flush = async (sink: HospitalSink) => {
    const block = sink.builder.take();
    if (!block) return;
    const order = deviceTimeOrder(block);
    sink.writer ??= await ParquetFileWriter.create(sink.path, metadata(sink.hospitalId));
    for (let from = 0; from < order.length; from += SLICE_ROWS) {
      await yieldToEventLoop();
      const slice = gather(block, order.subarray(from, from + SLICE_ROWS));
      sink.stats.add(slice);
      await sink.writer.write(slice);
    }
  };

  let reported = 0;
  let workingSince = systemClock.monotonicMs();
  const pace = async () => {
    const worked = systemClock.monotonicMs() - workingSince;
    if (settings.pauseRatio <= 0 || worked < 50) return;
    await sleep(worked * settings.pauseRatio);
    workingSince = systemClock.monotonicMs();
  };
  try {
    // A day's COPY takes longer than a statement_timeout meant for requests.
    await client.query('SET statement_timeout = 0');
    const stream = client.query(copyTo(`COPY (${await daySourceSql(client, table)}) TO STDOUT (FORMAT binary)`));
    for await (const chunk of batched(stream)) {
      parser.write(chunk);
      for (let full = parser.drain(); full; full = parser.drain()) await flush(byBuilder.get(full)!);
      await pace();
      let buffered = 0;
      for (const s of sinks.values()) buffered += s.builder.length;
      if (buffered > maxBufferedRows) {
        const largest = [...sinks.values()].sort((a, b) => b.builder.length - a.builder.length)[0]!;
        await flush(largest);
      }
      if (parser.rowCount - reported >= 1_000_000) {
        reported = parser.rowCount;
        progress(reported);
      }
    }
    parser.end();
    for (const sink of sinks.values()) await flush(sink);
  } catch (err) {
    for (const sink of sinks.values()) await sink.writer?.abort();
    throw err;
  }

  const files: ExportedFile[] = [];
  for (const sink of [...sinks.values()].sort((a, b) => (a.hospitalId < b.hospitalId ? -1 : 1))) {
    if (!sink.writer) continue;
    files.push({ hospitalId: sink.hospitalId, file: await sink.writer.close(), stats: sink.stats.result() });
  }
  // Anything else in the folder is from an earlier attempt; it was removed above.
  const expected = new Set(files.map((f) => stagedFileName(f.hospitalId)));
  for (const name of await readdir(dir)) if (!expected.has(name)) await rm(join(dir, name), { force: true });
  return files;
}
