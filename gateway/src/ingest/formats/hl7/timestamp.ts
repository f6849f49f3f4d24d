/**
 * HL7 v2 DTM timestamps as IHE PCD-01 devices send them:
 * `YYYYMMDDHHMM[SS[.S{1,4}]][+/-ZZZZ]`. A timestamp without an offset is in the device's
 * local time, whose UTC offset comes from the device configuration. Minute precision is
 * the least accepted: a reading needs to be placed in time.
 */
import { BadTimestampError } from '@wardlink/shared';

// Seconds may be followed by .S{1,4}, or (a Mindray firmware) by three digits of
// milliseconds with no point: 20260124131540000+0800.
const DTM = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(?:(\d{2})(?:\.(\d{1,4})|(\d{3}))?)?(?:([+-])(\d{2})(\d{2}))?$/;

/** Date.UTC reads years 0..99 as 1900..1999; a device whose clock says 0050 means 0050. */
function utc(year: number, month0: number, day: number, hour = 0, minute = 0, second = 0): number {
  const d = new Date(Date.UTC(2000, month0, day, hour, minute, second));
  d.setUTCFullYear(year, month0, day);
  return d.getTime();
}

function daysInMonth(year: number, month: number): number {
  return new Date(utc(year, month, 0)).getUTCDate();
}

/**
 * Parses a DTM into UTC epoch ms (fractions rounded to the millisecond). Returns null for
 * an empty value; throws `BadTimestampError` for anything else that is not a real instant.
 */
export function parseHl7Time(raw: string, utcOffsetMinutes = 0): number | null {
  const text = raw.trim();
  if (text === '') return null;
  const m = DTM.exec(text);
  if (!m) throw new BadTimestampError(text.slice(0, 40), { expected: 'YYYYMMDDHHMM[SS[.S{1,4}]][+/-ZZZZ]' });
  const [, y, mo, d, h, mi, s = '0', dotted, bareMs, sign, oh, om] = m;
  const frac = dotted ?? bareMs ?? '';
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const valid = year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59;
  let offset = utcOffsetMinutes;
  if (sign !== undefined) {
    const offH = Number(oh);
    const offM = Number(om);
    if (offH > 14 || offM > 59) throw new BadTimestampError(text, { reason: 'UTC offset out of range' });
    offset = (sign === '-' ? -1 : 1) * (offH * 60 + offM);
  }
  if (!valid) throw new BadTimestampError(text, { reason: 'not a calendar date and time' });
  const fractionMs = frac === '' ? 0 : Math.round(Number(`0.${frac}`) * 1000);
  return utc(year, month - 1, day, hour, minute, second) + fractionMs - offset * 60_000;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** Formats UTC ms as `YYYYMMDDHHMMSS+0000` (used in ACKs). */
export function formatHl7Time(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}+0000`;
}
