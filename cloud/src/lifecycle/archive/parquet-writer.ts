/**
 * Writes archive Parquet files with parquet-wasm (Apache Arrow's Rust Parquet writer,
 * compiled to WebAssembly), streaming: each block of columns becomes one Arrow record
 * batch, the writer closes a row group every ROW_GROUP_ROWS rows and hands the bytes
 * on, so memory holds one row group whatever the file's size.
 *
 * Chosen by measurement against hyparquet-writer and DuckDB's writer on the same
 * simulator day (docs/lifecycle.md, "Choosing the Parquet writer"): zstd, plain times,
 * dictionaries for the rest: ~1.9 bytes per reading on a 500-device day.
 *
 * Schema: t and received_at TIMESTAMP(MICROS, UTC), batch_seq INT64, value FLOAT,
 * metric INT32, flags INT16, five UTF8 text columns: the table's own types, so any
 * Parquet reader (DuckDB, pyarrow, Spark) reads an archive back as vital_data.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import * as arrow from 'apache-arrow';
import type * as ParquetWasm from 'parquet-wasm/node';
import type { TextColumn, VitalColumns } from './columns.js';

let wasm: Promise<typeof ParquetWasm> | undefined;
/** Loaded on first use: the CLI's other commands never pay for the WebAssembly module. */
const parquetWasm = () => (wasm ??= import('parquet-wasm/node'));

export const PARQUET_WRITER = 'parquet-wasm 0.8.0 (arrow-rs), zstd';
export const ROW_GROUP_ROWS = 1_048_576;

export interface WrittenFile {
  path: string;
  bytes: number;
  sha256: string;
  rows: number;
}

const TIMESTAMP = new arrow.TimestampMicrosecond('UTC');
const TWO_32 = 4_294_967_296;

/** int64 column data from exact integers held in doubles, without a BigInt per value. */
function int64Data(values: Float64Array, n: number): BigInt64Array {
  const out = new BigInt64Array(n);
  const halves = new Int32Array(out.buffer);
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    const hi = Math.floor(x / TWO_32);
    halves[2 * i] = (x - hi * TWO_32) | 0;
    halves[2 * i + 1] = hi;
  }
  return out;
}

function recordBatchIpc(cols: VitalColumns): Uint8Array {
  const n = cols.length;
  const text = (c: TextColumn) => {
    const { dict, ids } = cols.text[c];
    const type = new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());
    return arrow.makeVector(arrow.makeData({ type, length: n, data: ids.subarray(0, n), dictionary: arrow.vectorFromArray(dict, new arrow.Utf8()) }));
  };
  const table = new arrow.Table({
    t: arrow.makeVector(arrow.makeData({ type: TIMESTAMP, length: n, data: int64Data(cols.tUs, n) })),
    received_at: arrow.makeVector(arrow.makeData({ type: TIMESTAMP, length: n, data: int64Data(cols.receivedUs, n) })),
    batch_seq: arrow.makeVector(int64Data(cols.batchSeq, n)),
    value: arrow.makeVector(cols.value.subarray(0, n)),
    metric: arrow.makeVector(cols.metric.subarray(0, n)),
    flags: arrow.makeVector(cols.flags.subarray(0, n)),
    hospital_id: text('hospital_id'),
    patient_id: text('patient_id'),
    gateway_id: text('gateway_id'),
    device_id: text('device_id'),
    bed_id: text('bed_id'),
  });
  return arrow.tableToIPC(table, 'stream');
}

/** Streams record batches to one Parquet file; `close()` finishes it and fsyncs it. */
export class ParquetFileWriter {
  private demand: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;
  private controller!: ReadableStreamDefaultController<unknown>;
  private failure: unknown;
  private rows = 0;
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private done!: Promise<void>;

  private constructor(
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  static async create(path: string, metadata: Record<string, string>): Promise<ParquetFileWriter> {
    const pw = await parquetWasm();
    const file = await open(path, 'w');
    const writer = new ParquetFileWriter(path, file);
    const source = new ReadableStream<unknown>(
      {
        start: (controller) => {
          writer.controller = controller;
        },
        pull: () =>
          new Promise<void>((resolve) => {
            writer.demand = resolve;
            writer.wakeWriter?.();
          }),
      },
      { highWaterMark: 0 },
    );
    let props = new pw.WriterPropertiesBuilder()
      .setCompression(pw.Compression.ZSTD)
      .setMaxRowGroupSize(ROW_GROUP_ROWS)
      .setCreatedBy(`wardlink-cloud archive (${PARQUET_WRITER})`)
      .setKeyValueMetadata(new Map(Object.entries(metadata)));
    // Times repeat for the metrics of a record, then step: plain + zstd packs them best
    // (dictionaries of ~100k distinct times are larger; DELTA measured the same or worse).
    // Batch numbers grow by tiny steps within a device's run: DELTA.
    props = props.setColumnDictionaryEnabled('t', false).setColumnDictionaryEnabled('received_at', false);
    props = props.setColumnDictionaryEnabled('batch_seq', false).setColumnEncoding('batch_seq', pw.Encoding.DELTA_BINARY_PACKED);
    // Not awaited here: the transform may wait for its first batch before it resolves.
    writer.done = pw.transformParquetStream(source, props.build()).then((output) => writer.consume(output)).catch((err: unknown) => {
      writer.failure = err;
      writer.wakeWriter?.();
      throw err;
    });
    writer.done.catch(() => undefined); // observed through write()/close()
    return writer;
  }

  private async consume(output: ReadableStream<Uint8Array>): Promise<void> {
    const reader = output.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      this.hash.update(value);
      this.bytes += value.length;
      await this.file.write(value);
    }
  }

  async write(cols: VitalColumns): Promise<void> {
    if (cols.length === 0) return;
    const pw = await parquetWasm();
    const ipc = recordBatchIpc(cols);
    while (!this.demand) {
      if (this.failure) throw this.failure;
      await new Promise<void>((resolve) => (this.wakeWriter = resolve));
    }
    if (this.failure) throw this.failure;
    const table = pw.Table.fromIPCStream(ipc);
    const batch = table.recordBatch(0)!;
    table.free();
    const pulled = this.demand;
    this.demand = undefined;
    this.controller.enqueue(batch);
    pulled();
    this.rows += cols.length;
  }

  async close(): Promise<WrittenFile> {
    this.controller.close();
    this.demand?.();
    try {
      await this.done;
      await this.file.sync();
    } finally {
      await this.file.close();
    }
    return { path: this.path, bytes: this.bytes, sha256: this.hash.digest('hex'), rows: this.rows };
  }

  /** Gives up on the file (the caller removes it). */
  async abort(): Promise<void> {
    try {
      this.controller.error(new Error('aborted'));
    } catch {
      // already closed
    }
    await this.done.catch(() => undefined);
    await this.file.close().catch(() => undefined);
  }
}
