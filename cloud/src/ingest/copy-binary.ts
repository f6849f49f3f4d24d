/**
 * A batch's readings as PostgreSQL binary COPY data for vital_data
 * (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4).
 *
 * Binary skips PostgreSQL's text parsing of timestamps and floats and our own formatting
 * of them; see copy-format.ts for the measured difference. One buffer per batch, written
 * in one pass: ids are UTF-8 encoded once per distinct string.
 *
 * Two sources, one row layout (BinaryCopyWriter): `Reading` objects, and the columns the
 * service decodes a batch into (encodeBinaryCopyColumns), which need no object per
 * reading. copy-binary.test.ts holds them to the same bytes.
 */
import { QualityFlag, type Reading, type ReadingColumns, type ReadingSeries } from '@wardlink/shared';
import { mdcCodeOf, NO_PATIENT, receivedColumnMs, VITAL_COLUMNS, type RowContext } from './rows.js';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const HEADER_BYTES = SIGNATURE.length + 8; // + flags int32 + header extension length int32
/** PostgreSQL timestamps count microseconds from 2000-01-01T00:00:00Z. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;
/** Field count, 11 lengths, and the fixed-width values (3 x int64, float4, int4, int2). */
const FIXED_ROW_BYTES = 2 + VITAL_COLUMNS.length * 4 + 8 * 3 + 4 + 4 + 2;
/** The text columns (hospital, patient, gateway, device, bed), their lengths counted in FIXED_ROW_BYTES. */
const VITAL_TEXT_COLUMNS = 5;

export function encodeBinaryCopy(readings: readonly Reading[], ctx: RowContext): Buffer {
  const w = new BinaryCopyWriter(ctx, readings.length);
  // Readings come grouped by device stream, so the ids usually repeat the previous row's:
  // the row's five text fields are one byte string per stream (StreamTails).
  let lastDevice = '';
  let lastBed = '';
  let lastPatient: string | null = NO_PATIENT;
  let lastMetric = '';
  let metric = 0;
  let tail: Buffer | undefined;
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    if (tail === undefined || r.deviceId !== lastDevice || r.bedId !== lastBed || r.patientId !== lastPatient) {
      lastDevice = r.deviceId;
      lastBed = r.bedId;
      lastPatient = r.patientId;
      tail = w.tails.of(lastDevice, lastBed, lastPatient);
    }
    if (r.metric !== lastMetric) metric = mdcCodeOf((lastMetric = r.metric));
    w.row(r.deviceTimeMs, receivedColumnMs(r), r.value, metric, r.flags, tail);
  }
  return w.finish();
}

/**
 * The same rows as `encodeBinaryCopy(readingsOfColumns(columns), ctx)`, from the columns:
 * ids and metric code once per series, the per-reading fields straight from the arrays.
 */
export function encodeBinaryCopyColumns(columns: ReadingColumns, ctx: RowContext): Buffer {
  const w = new BinaryCopyWriter(ctx, columns.length);
  let tail: Buffer | undefined;
  let last: ReadingSeries | undefined;
  for (const s of columns.series) {
    if (last === undefined || s.deviceId !== last.deviceId || s.bedId !== last.bedId || s.patientId !== last.patientId) tail = w.tails.of(s.deviceId, s.bedId, s.patientId);
    last = s;
    w.series(columns, s, mdcCodeOf(s.metric), tail!);
  }
  return w.finish();
}

/** One binary COPY buffer, written row by row; grows when ids are longer than guessed. */
class BinaryCopyWriter {
  readonly tails: StreamTails;
  private out: Buffer;
  private view: DataView;
  private pos = HEADER_BYTES;
  private readonly seqHi: number;
  private readonly seqLo: number;

  constructor(
    ctx: RowContext,
    private readonly rows: number,
  ) {
    this.tails = new StreamTails(ctx);
    this.seqHi = Math.floor(ctx.batchSeq / TWO_32);
    this.seqLo = ctx.batchSeq - this.seqHi * TWO_32;
    this.out = Buffer.allocUnsafe(HEADER_BYTES + rows * (FIXED_ROW_BYTES + this.tails.fixedBytes + 40) + 2);
    this.view = viewOf(this.out);
    SIGNATURE.copy(this.out, 0);
    this.view.setInt32(SIGNATURE.length, 0);
    this.view.setInt32(SIGNATURE.length + 4, 0);
  }

  /** One row: `tail` is the stream's text fields (StreamTails.of). */
  row(tMs: number, receivedMs: number, value: number, metric: number, flags: number, tail: Buffer): void {
    let pos = this.pos;
    const n = tail.length;
    if (pos + FIXED_ROW_BYTES - VITAL_TEXT_COLUMNS * 4 + n + 2 > this.out.length) this.grow(pos + FIXED_ROW_BYTES + n + 2);
    const view = this.view;
    const out = this.out;
    // DataView setters compile to plain stores; Buffer's write* methods check arguments.
    view.setInt16(pos, VITAL_COLUMNS.length);
    const t = (tMs - PG_EPOCH_MS) * 1000;
    const tHi = Math.floor(t / TWO_32);
    view.setInt32(pos + 2, 8);
    view.setInt32(pos + 6, tHi);
    view.setUint32(pos + 10, t - tHi * TWO_32);
    const rt = (receivedMs - PG_EPOCH_MS) * 1000;
    const rtHi = Math.floor(rt / TWO_32);
    view.setInt32(pos + 14, 8);
    view.setInt32(pos + 18, rtHi);
    view.setUint32(pos + 22, rt - rtHi * TWO_32);
    view.setInt32(pos + 26, 8);
    view.setInt32(pos + 30, this.seqHi);
    view.setUint32(pos + 34, this.seqLo);
    view.setInt32(pos + 38, 4);
    view.setFloat32(pos + 42, value);
    view.setInt32(pos + 46, 4);
    view.setInt32(pos + 50, metric);
    view.setInt32(pos + 54, 2);
    view.setInt16(pos + 58, flags);
    pos += 60;
    // Short: a byte loop beats a native copy call for it.
    if (n < 128) for (let k = 0; k < n; k++) out[pos + k] = tail[k]!;
    else tail.copy(out, pos);
    this.pos = pos + n;
  }

  /**
   * The rows of one series of `columns`. Every row of a series has the same bytes but for
   * its times, value and flags: the first row is written whole and copied over the
   * series' span (a few memmoves), then only those fields are written in each.
   */
  series(columns: ReadingColumns, s: ReadingSeries, metric: number, tail: Buffer): void {
    const rowBytes = FIXED_ROW_BYTES - VITAL_TEXT_COLUMNS * 4 + tail.length;
    const from = this.pos;
    if (from + s.count * rowBytes + 2 > this.out.length) this.grow(from + s.count * rowBytes + 2);
    const { deviceTimeMs, receivedAtMs, value, flags, deviceClockMs } = columns;
    const clocks = deviceClockMs.size > 0;
    this.row(deviceTimeMs[s.start]!, receivedAtMs[s.start]!, value[s.start]!, metric, flags[s.start]!, tail);
    const out = this.out;
    for (let filled = 1; filled < s.count; filled *= 2) out.copyWithin(from + filled * rowBytes, from, from + Math.min(filled, s.count - filled) * rowBytes);
    const view = this.view;
    for (let k = 0, pos = from; k < s.count; k++, pos += rowBytes) {
      const i = s.start + k;
      const f = flags[i]!;
      // receivedColumnMs: a suspect clock's own time, when the device gave one.
      const clock = clocks && f & QualityFlag.CLOCK_SUSPECT ? deviceClockMs.get(i) : undefined;
      const t = (deviceTimeMs[i]! - PG_EPOCH_MS) * 1000;
      const tHi = Math.floor(t / TWO_32);
      view.setInt32(pos + 6, tHi);
      view.setUint32(pos + 10, t - tHi * TWO_32);
      const rt = ((clock ?? receivedAtMs[i]!) - PG_EPOCH_MS) * 1000;
      const rtHi = Math.floor(rt / TWO_32);
      view.setInt32(pos + 18, rtHi);
      view.setUint32(pos + 22, rt - rtHi * TWO_32);
      view.setFloat32(pos + 42, value[i]!);
      view.setInt16(pos + 58, f);
    }
    this.pos = from + s.count * rowBytes;
  }

  /** The trailer written; the COPY data. */
  finish(): Buffer {
    if (this.pos + 2 > this.out.length) this.grow(this.pos + 2);
    this.view.setInt16(this.pos, -1);
    return this.out.subarray(0, this.pos + 2);
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(needed, this.out.length * 2, this.rows));
    this.out.copy(bigger, 0, 0, this.pos);
    this.out = bigger;
    this.view = viewOf(bigger);
  }
}

/**
 * A row's five text fields (hospital, patient, gateway, device, bed, each with its
 * length) as one byte string per stream, built the first time the stream is seen and
 * copied whole into each of its rows; ids are UTF-8 encoded once per distinct string.
 */
class StreamTails {
  private readonly utf8 = new Map<string, Buffer>();
  private readonly tails = new Map<string, Buffer>();
  private readonly hospital: Buffer;
  private readonly gateway: Buffer;

  constructor(ctx: RowContext) {
    this.hospital = this.bytesOf(ctx.hospitalId);
    this.gateway = this.bytesOf(ctx.gatewayId);
  }

  /** Bytes of the fields every row shares (hospital and gateway), for the first size guess. */
  get fixedBytes(): number {
    return this.hospital.length + this.gateway.length;
  }

  of(deviceId: string, bedId: string, patient: string | null): Buffer {
    const patientId = patient ?? NO_PATIENT;
    const key = `${deviceId}\u0000${bedId}\u0000${patientId}`;
    let tail = this.tails.get(key);
    if (tail === undefined) this.tails.set(key, (tail = textFields([this.hospital, this.bytesOf(patientId), this.gateway, this.bytesOf(deviceId), this.bytesOf(bedId)])));
    return tail;
  }

  private bytesOf(s: string): Buffer {
    let b = this.utf8.get(s);
    if (b === undefined) this.utf8.set(s, (b = Buffer.from(s, 'utf8')));
    return b;
  }
}

function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}

/** Text fields as binary COPY writes them: each a big-endian int32 length, then its bytes. */
function textFields(fields: readonly Buffer[]): Buffer {
  let size = 0;
  for (const f of fields) size += 4 + f.length;
  const b = Buffer.allocUnsafe(size);
  let pos = 0;
  for (const f of fields) {
    b.writeInt32BE(f.length, pos);
    f.copy(b, pos + 4);
    pos += 4 + f.length;
  }
  return b;
}
