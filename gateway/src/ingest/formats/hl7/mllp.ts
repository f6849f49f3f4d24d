/**
 * MLLP framing: <VT 0x0B> message <FS 0x1C><CR 0x0D>.
 *
 * The serial transport splits the byte stream with @serialport/parser-delimiter on
 * `MLLP_DELIMITER`, so `deframeMllp` receives one chunk without its end bytes, possibly
 * with line noise or blank lines before the start byte, or with no start byte at all
 * (devices that drop it). It keeps what follows the last start byte, or else begins at
 * the first "MSH".
 */
import { MalformedFrameError, PayloadTooLargeError } from '@wardlink/shared';
import type { Framing } from '../entry.js';

export const MLLP_START = 0x0b;
export const MLLP_END = 0x1c;
export const MLLP_CR = 0x0d;
/** The delimiter to give @serialport/parser-delimiter (and the TCP splitter). */
export const MLLP_DELIMITER: Buffer = Buffer.from([MLLP_END, MLLP_CR]);
/** Largest HL7 message accepted: a PCD-01 record of 20 metrics is about 3 KiB. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;

/** Extracts the HL7 text from one MLLP chunk. */
export function deframeMllp(chunk: Buffer | string, maxBytes = DEFAULT_MAX_MESSAGE_BYTES): string {
  const size = typeof chunk === 'string' ? Buffer.byteLength(chunk, 'utf8') : chunk.length;
  if (size > maxBytes) throw new PayloadTooLargeError(size, maxBytes);
  const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
  const start = text.lastIndexOf(String.fromCharCode(MLLP_START)) + 1;
  const end = text.indexOf(String.fromCharCode(MLLP_END), start);
  const body = text.slice(start, end < 0 ? text.length : end);
  const msh = body.indexOf('MSH');
  if (msh < 0) throw new MalformedFrameError('no MSH segment in the frame', { bytes: size });
  return body.slice(msh).replace(/[\r\n]+$/, '');
}

/** Wraps a message (or an ACK) in an MLLP frame. */
export function mllpFrame(text: string): Buffer {
  return Buffer.concat([Buffer.from([MLLP_START]), Buffer.from(text, 'utf8'), MLLP_DELIMITER]);
}

/** Bytes a sender may put between frames (keep-alive newlines, a lone start byte). */
const BETWEEN_FRAMES: ReadonlySet<number> = new Set([0x0a, MLLP_CR, MLLP_START, 0x20]);

/** MLLP as a registry framing: split on 0x1C 0x0D, replies wrapped in 0x0B ... 0x1C 0x0D. */
export const MLLP_FRAMING: Framing = {
  delimiter: MLLP_DELIMITER,
  isBlank: (frame) => frame.every((byte) => BETWEEN_FRAMES.has(byte)),
  wrap: mllpFrame,
};
