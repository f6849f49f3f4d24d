/**
 * `ascii-ts`: Masimo Radical-7 style lines with a leading local timestamp, e.g.
 * `11/29/26 08:00:01 SN=0000012345 SPO2=097% BPM=072 PI=03.10% ALARM=0000 EXC=000000`
 * then an optional status word. The timestamp is `MM/DD/YY HH:MM:SS` in the device's
 * local time; its UTC offset comes from the device configuration.
 */
import { BadTimestampError, MalformedLineError } from '@wardlink/shared';
import { emptyRecord, type FormatContext } from '../format.js';
import { lineFormatEntry } from '../line-entry.js';
import { ASCII_KV_LABELS } from './ascii-kv.js';
import { parseKvBody } from './kv-body.js';

const LEADING_TIME = /^(\d{2})\/(\d{2})\/(\d{2})\s+(\d{2}):(\d{2}):(\d{2})(?:\s+|$)/;

/** The four-digit year for a two-digit one: the century that puts it nearest to now. */
function fullYear(yy: number, ctx: FormatContext): number {
  const nowYear = new Date(ctx.now?.() ?? Date.now()).getUTCFullYear();
  const candidates = [-100, 0, 100].map((d) => Math.floor(nowYear / 100) * 100 + d + yy);
  return candidates.reduce((best, y) => (Math.abs(y - nowYear) < Math.abs(best - nowYear) ? y : best));
}

export function parseMasimoTime(match: RegExpExecArray, ctx: FormatContext): number {
  const [mo = 0, d = 0, yy = 0, h = 0, mi = 0, s = 0] = match.slice(1, 7).map(Number);
  const year = fullYear(yy, ctx);
  const ms = Date.UTC(year, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  // Date.UTC rolls 02/30 over into March: a round trip tells a real date from a rolled one.
  if (mo < 1 || mo > 12 || back.getUTCDate() !== d || back.getUTCMonth() !== mo - 1 || h > 23 || mi > 59 || s > 59) {
    throw new BadTimestampError(match[0].trim(), { expected: 'MM/DD/YY HH:MM:SS' });
  }
  return ms - (ctx.utcOffsetMinutes ?? 0) * 60_000;
}

export const asciiTsFormat = lineFormatEntry({
  name: 'ascii-ts',
  parse(input, ctx) {
    const line = input.trim();
    if (line === '') return emptyRecord(null);
    const match = LEADING_TIME.exec(line);
    if (!match) throw new MalformedLineError('the line does not start with "MM/DD/YY HH:MM:SS"');
    const record = emptyRecord(parseMasimoTime(match, ctx));
    parseKvBody(line.slice(match[0].length), record, ASCII_KV_LABELS, ctx);
    return record;
  },
});
