/**
 * A batch's readings as PostgreSQL binary COPY data for vital_data
 * (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4).
 *
 * Binary skips PostgreSQL's text parsing of timestamps and floats and our own formatting
 * of them; see copy-format.ts for the measured difference. One buffer per batch, written
 * in one pass: ids are UTF-8 encoded once per distinct string.
 */
import type { Reading } from '@wardlink/shared';
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
  const utf8 = new Map<string, Buffer>();
  const bytesOf = (s: string): Buffer => {
    let b = utf8.get(s);
    if (b === undefined) utf8.set(s, (b = Buffer.from(s, 'utf8')));
    return b;
  };
  const hospital = bytesOf(ctx.hospitalId);
  const gateway = bytesOf(ctx.gatewayId);
  const seqHi = Math.floor(ctx.batchSeq / TWO_32);
  const seqLo = ctx.batchSeq - seqHi * TWO_32;

  let out: Buffer = Buffer.allocUnsafe(HEADER_BYTES + readings.length * (FIXED_ROW_BYTES + hospital.length + gateway.length + 40) + 2);
  let view = viewOf(out);
  SIGNATURE.copy(out, 0);
  view.setInt32(SIGNATURE.length, 0);
  view.setInt32(SIGNATURE.length + 4, 0);
  let pos = HEADER_BYTES;

  // Readings come grouped by device stream, so the ids usually repeat the previous row's:
  // the row's five text fields (hospital, patient, gateway, device, bed, each with its
  // length) are one byte string per stream, built when the stream changes and copied
  // whole into each of its rows.
  let lastDevice = '';
  let lastBed = '';
  let lastPatient: string | null = NO_PATIENT;
  let lastMetric = '';
  let metric = 0;
  let tail: Buffer | undefined;
  const tails = new Map<string, Buffer>(); // for readings that are not grouped by stream

  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    if (tail === undefined || r.deviceId !== lastDevice || r.bedId !== lastBed || r.patientId !== lastPatient) {
      lastDevice = r.deviceId;
      lastBed = r.bedId;
      lastPatient = r.patientId;
      const patientId = lastPatient ?? NO_PATIENT;
      const key = `${lastDevice}\u0000${lastBed}\u0000${patientId}`;
      tail = tails.get(key);
      if (tail === undefined) tails.set(key, (tail = textFields([hospital, bytesOf(patientId), gateway, bytesOf(lastDevice), bytesOf(lastBed)])));
    }
    if (r.metric !== lastMetric) metric = mdcCodeOf((lastMetric = r.metric));
    const need = FIXED_ROW_BYTES + tail.length - VITAL_TEXT_COLUMNS * 4 + 2;
    if (pos + need > out.length) {
      out = grow(out, pos + need, readings.length);
      view = viewOf(out);
    }
    // DataView setters compile to plain stores; Buffer's write* methods check arguments.
    view.setInt16(pos, VITAL_COLUMNS.length);
    const t = (r.deviceTimeMs - PG_EPOCH_MS) * 1000;
    const tHi = Math.floor(t / TWO_32);
    view.setInt32(pos + 2, 8);
    view.setInt32(pos + 6, tHi);
    view.setUint32(pos + 10, t - tHi * TWO_32);
    const rt = (receivedColumnMs(r) - PG_EPOCH_MS) * 1000;
    const rtHi = Math.floor(rt / TWO_32);
    view.setInt32(pos + 14, 8);
    view.setInt32(pos + 18, rtHi);
    view.setUint32(pos + 22, rt - rtHi * TWO_32);
    view.setInt32(pos + 26, 8);
    view.setInt32(pos + 30, seqHi);
    view.setUint32(pos + 34, seqLo);
    view.setInt32(pos + 38, 4);
    view.setFloat32(pos + 42, r.value);
    view.setInt32(pos + 46, 4);
    view.setInt32(pos + 50, metric);
    view.setInt32(pos + 54, 2);
    view.setInt16(pos + 58, r.flags);
    pos += 60;
    const n = tail.length;
    // Short: a byte loop beats a native copy call for it.
    if (n < 128) for (let k = 0; k < n; k++) out[pos + k] = tail[k]!;
    else tail.copy(out, pos);
    pos += n;
  }
  if (pos + 2 > out.length) {
    out = grow(out, pos + 2, 0);
    view = viewOf(out);
  }
  view.setInt16(pos, -1);
  return out.subarray(0, pos + 2);
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

function grow(out: Buffer, needed: number, hintRows: number): Buffer {
  const bigger = Buffer.allocUnsafe(Math.max(needed, out.length * 2, hintRows));
  out.copy(bigger, 0, 0, out.length);
  return bigger;
}
