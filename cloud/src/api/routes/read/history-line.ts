/**
 * One history reading as its NDJSON line, written from a template rather than through
 * an object and JSON.stringify: a 24 h answer of a 1 Hz metric is 86,400 lines, and the
 * per-line object, the flag-name array and Date formatting were most of the route's CPU.
 * The text is byte-identical to ndjsonLine({ t, value, flags, deviceClock? })
 * (history-line.test.ts compares them).
 */
import { QualityFlag } from '@wardlink/shared';
import { flagNames } from './vital-view.js';

export interface HistoryRow {
  /** The reading's time, epoch ms. */
  t_ms: number;
  value: number;
  flags: number;
  /** CLOCK_SUSPECT readings only: the device clock's time (received_at), epoch ms. */
  device_ms: number | null;
}

const MINUTE_MS = 60_000;

/** ISO 8601 UTC times of ascending epoch ms, cheaply: the date, hour and minute are
 * formatted once per minute, the seconds and milliseconds by hand. */
export class IsoTimes {
  private minute = NaN;
  private prefix = '';

  format(ms: number): string {
    const minute = Math.floor(ms / MINUTE_MS);
    if (minute !== this.minute) {
      const full = new Date(minute * MINUTE_MS).toISOString();
      // Years outside 0000..9999 are written with a sign and six digits: no shortcut.
      if (full.length !== 24) return new Date(ms).toISOString();
      this.minute = minute;
      this.prefix = full.slice(0, 17);
    }
    const rest = ms - minute * MINUTE_MS;
    const s = Math.floor(rest / 1000);
    const milli = rest - s * 1000;
    return `${this.prefix}${s < 10 ? '0' : ''}${s}.${milli < 100 ? (milli < 10 ? '00' : '0') : ''}${milli}Z`;
  }
}

const flagsJson = new Map<number, string>();

/** The flags' names as JSON, per mask (a handful of masks occur). */
function flagsText(mask: number): string {
  let text = flagsJson.get(mask);
  if (text === undefined) {
    text = JSON.stringify(flagNames(mask));
    if (flagsJson.size < 4_096) flagsJson.set(mask, text);
  }
  return text;
}

/** JSON.stringify of a number: NaN and the infinities are null. */
const numberText = (n: number): string => (Number.isFinite(n) ? `${n}` : 'null');

export function historyLine(r: HistoryRow, times: IsoTimes): string {
  const device = (r.flags & QualityFlag.CLOCK_SUSPECT) !== 0 && r.device_ms !== null ? `,"deviceClock":"${times.format(r.device_ms)}"` : '';
  return `{"t":"${times.format(r.t_ms)}","value":${numberText(r.value)},"flags":${flagsText(r.flags)}${device}}\n`;
}
