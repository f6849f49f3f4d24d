/**
 * Newline framing with no acknowledgement, for the formats that send one text line per
 * record (`ascii-kv`, `ascii-ts`): `lineFormatEntry(format)` makes a `LineFormat` a
 * registry entry. The monitors behind them answer nothing and expect nothing back.
 */
import type { FormatEntry, Framing } from './entry.js';
import type { LineFormat } from './format.js';

/** Lines end with LF (a CR before it is the line's, trimmed by the format). */
export const NEWLINE_FRAMING: Framing = {
  delimiter: Buffer.from('\n'),
  // Latin-1, as the line is read: every byte is one character, so noise never throws.
  isBlank: (frame) => frame.toString('latin1').trim() === '',
  wrap: (reply) => Buffer.from(`${reply}\r\n`, 'latin1'),
};

export function lineFormatEntry(format: LineFormat): FormatEntry<string> {
  return {
    name: format.name,
    framing: NEWLINE_FRAMING,
    ack: 'none',
    decode: (frame) => frame.toString('latin1').replace(/[\r\n]+$/, ''),
    read: (line, ctx) => format.parse(line, ctx),
    parse: (input, ctx) => format.parse(input, ctx),
  };
}
