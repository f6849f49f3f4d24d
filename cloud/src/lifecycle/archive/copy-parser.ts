/**
 * Parses PostgreSQL's binary COPY output of vital_data's columns (in ARCHIVE_COLUMNS
 * order) straight into per-hospital column builders: no row objects, no text parsing
 * of times or floats. Binary COPY gives timestamptz as int64 µs since 2000-01-01, so
 * times keep their full resolution (node-postgres would round them to ms in a Date).
 *
 * Usage: write(chunk), then drain() until it returns undefined, flushing each full
 * builder it returns before calling drain() again. Memory stays bounded by the
 * builders' capacity however large the partition.
 */
import { ArchiveExportError } from '../errors.js';
import { TEXT_COLUMNS, type ColumnBuilder, type TextColumn } from './columns.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const FIELDS = 11;
const PG_EPOCH_US = 946_684_800_000_000;
const TWO_32 = 4_294_967_296;
const MAX_HI = 2 ** 20; // |hi * 2^32 + lo| < 2^52 keeps every int64 exact in a double

interface LastText {
  bytes: Buffer;
  text: string;
  builder: ColumnBuilder | undefined;
  id: number;
}

export class VitalCopyParser {
  private pending: Buffer = Buffer.alloc(0);
  private headerDone = false;
  private trailerSeen = false;
  private rows = 0;
  private readonly offsets = new Int32Array(FIELDS);
  private readonly lengths = new Int32Array(FIELDS);
  private readonly last: LastText[] = TEXT_COLUMNS.map(() => ({ bytes: Buffer.alloc(0), text: '', builder: undefined, id: -1 }));

  constructor(
    private readonly source: string,
    private readonly builderFor: (hospitalId: string) => ColumnBuilder,
  ) {}

  get rowCount(): number {
    return this.rows;
  }

  write(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
  }

  /** Parses buffered rows; returns a builder that is full (flush it, then call again), or undefined when more input is needed. */
  drain(): ColumnBuilder | undefined {
    const buf = this.pending;
    let pos = 0;
    // A builder may have been flushed since the last call, which resets its dictionaries.
    for (const last of this.last) last.builder = undefined;
    if (!this.headerDone) {
      if (buf.length < 19) return undefined;
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new ArchiveExportError(this.source, 'the COPY stream is not PostgreSQL binary COPY');
      const extension = buf.readInt32BE(15);
      if (buf.length < 19 + extension) return undefined;
      pos = 19 + extension;
      this.headerDone = true;
    }
    try {
      while (pos + 2 <= buf.length) {
        const count = buf.readInt16BE(pos);
        if (count === -1) {
          this.trailerSeen = true;
          pos += 2;
          break;
        }
        if (count !== FIELDS) throw new ArchiveExportError(this.source, `a COPY row has ${count} fields, expected ${FIELDS}`);
        let p = pos + 2;
        let complete = true;
        for (let f = 0; f < FIELDS; f++) {
          if (p + 4 > buf.length) {
            complete = false;
            break;
          }
          const len = buf.readInt32BE(p);
          if (len < 0) throw new ArchiveExportError(this.source, `column ${f} is NULL; vital_data columns are NOT NULL`);
          this.offsets[f] = p + 4;
          this.lengths[f] = len;
          p += 4 + len;
        }
        if (!complete || p > buf.length) break;
        const builder = this.builderFor(this.text(buf, 0));
        if (builder.full) return builder; // pos not advanced: the row is parsed again after the flush
        this.store(buf, builder);
        pos = p;
        this.rows++;
      }
    } finally {
      this.pending = buf.subarray(pos);
    }
    return undefined;
  }

  /** Checks the stream ended with the trailer and nothing after it. */
  end(): void {
    if (!this.trailerSeen || this.pending.length > 0) throw new ArchiveExportError(this.source, 'the COPY stream ended early (no trailer); nothing was recorded, the export will run again');
  }

  private store(buf: Buffer, b: ColumnBuilder): void {
    const i = b.next();
    const c = b.columns;
    const o = this.offsets;
    c.tUs[i] = this.int64(buf, o[0]!, 't') + PG_EPOCH_US;
    c.receivedUs[i] = this.int64(buf, o[1]!, 'received_at') + PG_EPOCH_US;
    c.batchSeq[i] = this.int64(buf, o[2]!, 'batch_seq');
    c.value[i] = buf.readFloatBE(o[3]!);
    c.metric[i] = buf.readInt32BE(o[4]!);
    c.flags[i] = buf.readInt16BE(o[5]!);
    for (let k = 0; k < TEXT_COLUMNS.length; k++) {
      const column: TextColumn = TEXT_COLUMNS[k]!;
      c.text[column].ids[i] = this.idOf(buf, k, b, column);
    }
  }

  private int64(buf: Buffer, at: number, column: string): number {
    const hi = buf.readInt32BE(at);
    if (hi >= MAX_HI || hi < -MAX_HI) throw new ArchiveExportError(this.source, `${column} is beyond 2^52 and cannot be archived exactly`);
    return hi * TWO_32 + buf.readUInt32BE(at + 4);
  }

  /** The text of text column k (0 = hospital_id, the 7th field) of the current row. */
  private text(buf: Buffer, k: number): string {
    const f = 6 + k;
    const start = this.offsets[f]!;
    const end = start + this.lengths[f]!;
    const last = this.last[k]!;
    if (!sameBytes(last.bytes, buf, start, end)) {
      last.bytes = Buffer.from(buf.subarray(start, end));
      last.text = buf.toString('utf8', start, end);
      last.builder = undefined;
    }
    return last.text;
  }

  private idOf(buf: Buffer, k: number, builder: ColumnBuilder, column: TextColumn): number {
    const text = this.text(buf, k);
    const last = this.last[k]!;
    if (last.builder === builder) return last.id;
    last.builder = builder;
    last.id = builder.intern(column, text);
    return last.id;
  }
}

function sameBytes(a: Buffer, buf: Buffer, start: number, end: number): boolean {
  if (a.length !== end - start) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[start + i]) return false;
  return true;
}
