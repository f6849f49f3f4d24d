/**
 * A batch's readings as PostgreSQL text COPY data for vital_data (tab-separated, one
 * line per row). Kept next to the binary encoder because the choice between them is a
 * measurement (copy-format.ts), and so the benchmark can repeat it.
 */
import type { Reading } from '@wardlink/shared';
import { DAY_MS } from '../storage/utc-days.js';
import { float4Safe, mdcCodeOf, NO_PATIENT, receivedColumnMs, type RowContext } from './rows.js';

export function encodeTextCopy(readings: readonly Reading[], ctx: RowContext): Buffer {
  const escaped = new Map<string, string>();
  const field = (s: string): string => {
    let e = escaped.get(s);
    if (e === undefined) escaped.set(s, (e = escapeText(s)));
    return e;
  };
  const tail = `\t${field(ctx.hospitalId)}\t`;
  const gateway = field(ctx.gatewayId);
  const seq = String(ctx.batchSeq);
  const times = new TimestampFormatter();
  const lines: string[] = new Array(readings.length);
  for (let i = 0; i < readings.length; i++) {
    const r = readings[i]!;
    lines[i] =
      `${times.format(r.deviceTimeMs)}\t${times.format(receivedColumnMs(r))}\t${seq}\t${float4Safe(r.value)}\t${mdcCodeOf(r.metric)}\t${r.flags}` +
      `${tail}${field(r.patientId ?? NO_PATIENT)}\t${gateway}\t${field(r.deviceId)}\t${field(r.bedId)}\n`;
  }
  return Buffer.from(lines.join(''), 'utf8');
}

/** Backslash escapes of COPY's text format for the characters that would split a row. */
export function escapeText(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!) : s;
}

/** Formats epoch ms as "YYYY-MM-DD HH:MM:SS.mmm+00", caching the date part per day. */
class TimestampFormatter {
  private day = Number.NaN;
  private datePart = '';

  format(ms: number): string {
    const day = Math.floor(ms / DAY_MS);
    if (day !== this.day) {
      this.day = day;
      this.datePart = new Date(day * DAY_MS).toISOString().slice(0, 10);
    }
    let rest = ms - day * DAY_MS;
    const h = Math.floor(rest / 3_600_000);
    rest -= h * 3_600_000;
    const m = Math.floor(rest / 60_000);
    rest -= m * 60_000;
    const s = Math.floor(rest / 1000);
    const milli = rest - s * 1000;
    return `${this.datePart} ${pad2(h)}:${pad2(m)}:${pad2(s)}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}+00`;
  }
}

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
