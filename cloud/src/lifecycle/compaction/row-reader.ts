/**
 * Reads one patient's readings (a unit's rows, or the readings of its old blocks) from a
 * binary COPY into columns. The unit's hospital and patient are known, so the query
 * returns only the nine columns that vary (READ_COLUMNS): two text columns fewer to send,
 * compare and intern per reading than the archive's parser (measured: its parse was
 * 0.75 µs of this process's CPU per reading, the largest part of the job's).
 *
 * Bounded pauses: rows are parsed for at most SLICE_MS at a time (the clock is read every
 * CHECK_ROWS rows, so a cold, not yet optimized parser is bounded too), then the event
 * loop (the service's ingest shares it) gets a turn; a large buffered stretch never
 * blocks it.
 */
import { to as copyTo } from 'pg-copy-streams';
import type pg from 'pg';
import { copyColumnValues, emptyColumns, TEXT_COLUMNS, type VitalColumns } from '../archive/columns.js';
import { batched } from '../archive/export-core.js';
import { CompactionReadError } from './errors.js';

/** The columns a unit's queries return, in this order. */
export const READ_COLUMNS = ['t', 'received_at', 'batch_seq', 'value', 'metric', 'flags', 'gateway_id', 'device_id', 'bed_id'] as const;

const FIELDS = READ_COLUMNS.length;
const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const PG_EPOCH_US = 946_684_800_000_000;
const TWO_32 = 4_294_967_296;
const MAX_HI = 2 ** 20; // |hi * 2^32 + lo| < 2^52 keeps every int64 exact in a double
const SLICE_MS = 5;
const CHECK_ROWS = 1_024;
const TEXT_FIELDS = [6, 7, 8] as const;
const TEXT_NAMES = ['gateway_id', 'device_id', 'bed_id'] as const;

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Runs `COPY (sql) TO STDOUT (FORMAT binary)`, sql returning READ_COLUMNS, into columns. */
export async function readUnitColumns(client: pg.PoolClient, sql: string, hospitalId: string, patientId: string): Promise<VitalColumns> {
  const reader = new UnitRowReader(hospitalId, patientId);
  for await (const chunk of batched(client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`)))) {
    reader.write(chunk);
    while (reader.parse(performance.now() + SLICE_MS)) await yieldToEventLoop();
  }
  return reader.finish();
}

class UnitRowReader {
  private pending: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private trailerSeen = false;
  private capacity = 16_384;
  private cols: VitalColumns;
  /** Per text column: the previous row's bytes and id (a patient's rows repeat them). */
  private readonly lastBytes: Buffer[] = TEXT_FIELDS.map(() => Buffer.alloc(0));
  private readonly lastId = new Int32Array(TEXT_FIELDS.length).fill(-1);
  private readonly index = TEXT_FIELDS.map(() => new Map<string, number>());
  private readonly offsets = new Int32Array(FIELDS);
  private readonly lengths = new Int32Array(FIELDS);

  constructor(hospitalId: string, patientId: string) {
    this.cols = emptyColumns(this.capacity);
    this.cols.text.hospital_id.dict = [hospitalId];
    this.cols.text.patient_id.dict = [patientId];
  }

  write(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
  }

  /** Parses complete rows until `untilMs` (performance.now()); true when it stopped for
   * the time and more complete rows may be buffered. */
  parse(untilMs: number): boolean {
    const buf = this.pending;
    let pos = 0;
    if (!this.headerDone) {
      if (buf.length < 19) return false;
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new CompactionReadError('the COPY stream is not PostgreSQL binary COPY');
      const extension = buf.readInt32BE(15);
      if (buf.length < 19 + extension) return false;
      pos = 19 + extension;
      this.headerDone = true;
    }
    // DataView reads are inlined by V8; Buffer's readInt32BE and the like cost twice as much.
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let rows = 0;
    try {
      while (pos + 2 <= buf.length) {
        if (rows % CHECK_ROWS === CHECK_ROWS - 1 && performance.now() >= untilMs) return true;
        const count = view.getInt16(pos);
        if (count === -1) {
          this.trailerSeen = true;
          pos += 2;
          return false;
        }
        if (count !== FIELDS) throw new CompactionReadError(`a COPY row has ${count} fields, expected ${FIELDS}`);
        let p = pos + 2;
        let f = 0;
        for (; f < FIELDS && p + 4 <= buf.length; f++) {
          const len = view.getInt32(p);
          if (len < 0) throw new CompactionReadError(`${READ_COLUMNS[f]} is NULL`);
          this.offsets[f] = p + 4;
          this.lengths[f] = len;
          p += 4 + len;
        }
        if (f < FIELDS || p > buf.length) return false;
        this.store(buf, view);
        pos = p;
        rows++;
      }
      return false;
    } finally {
      this.pending = buf.subarray(pos);
    }
  }

  finish(): VitalColumns {
    if (!this.trailerSeen || this.pending.length > 0) throw new CompactionReadError('the COPY stream ended early (no trailer)');
    return this.cols;
  }

  private store(buf: Buffer, view: DataView): void {
    if (this.cols.length === this.capacity) this.grow();
    const c = this.cols;
    const i = c.length++;
    const o = this.offsets;
    c.tUs[i] = int64(view, o[0]!) + PG_EPOCH_US;
    c.receivedUs[i] = int64(view, o[1]!) + PG_EPOCH_US;
    c.batchSeq[i] = int64(view, o[2]!);
    c.value[i] = view.getFloat32(o[3]!);
    c.metric[i] = view.getInt32(o[4]!);
    c.flags[i] = view.getInt16(o[5]!);
    c.text.gateway_id.ids[i] = this.idOf(buf, 0);
    c.text.device_id.ids[i] = this.idOf(buf, 1);
    c.text.bed_id.ids[i] = this.idOf(buf, 2);
  }

  private idOf(buf: Buffer, k: number): number {
    const f = TEXT_FIELDS[k]!;
    const start = this.offsets[f]!;
    const end = start + this.lengths[f]!;
    const lastId = this.lastId[k]!;
    if (lastId >= 0 && sameBytes(this.lastBytes[k]!, buf, start, end)) return lastId;
    const text = buf.toString('utf8', start, end);
    const dict = this.cols.text[TEXT_NAMES[k]!].dict;
    let id = this.index[k]!.get(text);
    if (id === undefined) {
      id = dict.length;
      dict.push(text);
      this.index[k]!.set(text, id);
    }
    this.lastBytes[k] = Buffer.from(buf.subarray(start, end));
    this.lastId[k] = id;
    return id;
  }

  private grow(): void {
    this.capacity *= 2;
    const bigger = emptyColumns(this.capacity);
    const old = this.cols;
    copyColumnValues(old, bigger);
    for (const name of TEXT_COLUMNS) bigger.text[name].dict = old.text[name].dict;
    this.cols = bigger;
  }
}


function int64(view: DataView, at: number): number {
  const hi = view.getInt32(at);
  if (hi >= MAX_HI || hi < -MAX_HI) throw new CompactionReadError('a time or batch_seq is beyond 2^52 and cannot be held exactly');
  return hi * TWO_32 + view.getUint32(at + 4);
}

function sameBytes(a: Buffer, buf: Buffer, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}
