/** `toAsciiLine`: one serial line per record, in either ASCII format (see FORMATS.md). */
import { toAsciiKvLine } from './ascii-kv.js';
import { toAsciiTsLine } from './ascii-ts.js';
import type { DeviceRecord } from './types.js';

export type AsciiFormat = 'ascii-kv' | 'ascii-ts';

export interface AsciiOptions {
  /** ascii-ts: the device's local time offset for the leading timestamp. Default 0. */
  utcOffsetMinutes?: number;
}

/** The line, terminated by `\r\n`. */
export function toAsciiLine(record: DeviceRecord, format: AsciiFormat, opts: AsciiOptions = {}): string {
  return format === 'ascii-kv' ? toAsciiKvLine(record) : toAsciiTsLine(record, opts.utcOffsetMinutes ?? 0);
}
