/**
 * Splits an HL7 v2 message into segments and fields, with the separators it declares.
 * Tolerates what devices do: \r, \n or \r\n between segments, blank lines, and stray
 * non-segment lines (ignored).
 */
import { MalformedFrameError } from '@wardlink/shared';
import { pieceOf, splitOn, unescapeHl7, type Hl7Separators } from './encoding.js';

export interface Hl7Segment {
  /** Three-character segment id, e.g. "OBX". */
  name: string;
  /** Raw (still escaped) fields, indexed by HL7 field number: `fields[5]` is OBX-5. For
   * MSH, `fields[1]` is the field separator and `fields[2]` the encoding characters. */
  fields: string[];
}

export interface Hl7Message {
  separators: Hl7Separators;
  segments: Hl7Segment[];
}

const SEGMENT_NAME = /^[A-Z][A-Z0-9]{2}$/;
const FORBIDDEN_SEPARATOR = /[A-Za-z0-9\s]/;

function readSeparators(mshLine: string): Hl7Separators {
  const field = mshLine.charAt(3);
  if (field === '' || FORBIDDEN_SEPARATOR.test(field)) {
    throw new MalformedFrameError('MSH-1 (field separator) is missing or invalid');
  }
  const end = mshLine.indexOf(field, 4);
  const enc = end < 0 ? mshLine.slice(4) : mshLine.slice(4, end);
  const chars = [field, ...enc];
  if (enc.length < 1 || enc.length > 5 || new Set(chars).size !== chars.length || chars.some((c) => FORBIDDEN_SEPARATOR.test(c))) {
    throw new MalformedFrameError('MSH-2 (encoding characters) is missing or invalid');
  }
  return { field, component: enc.charAt(0), repetition: enc.charAt(1), escape: enc.charAt(2), subcomponent: enc.charAt(3) };
}

/** Parses message text that starts with MSH (see `deframeMllp`). */
export function parseHl7Structure(text: string): Hl7Message {
  const lines = text.split(/\r\n|\r|\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  const mshLine = first < 0 ? '' : (lines[first] ?? '').trimStart();
  if (!mshLine.startsWith('MSH')) throw new MalformedFrameError('the message does not start with an MSH segment');
  const separators = readSeparators(mshLine);
  const segments: Hl7Segment[] = [];
  for (const line of lines.slice(first)) {
    const trimmed = line.trimStart();
    if (trimmed === '') continue;
    const parts = trimmed.split(separators.field);
    const name = parts[0] ?? '';
    if (!SEGMENT_NAME.test(name)) continue;
    // MSH counts its field separator as MSH-1, so its fields shift by one.
    const fields = name === 'MSH' ? [name, separators.field, ...parts.slice(1)] : parts;
    segments.push({ name, fields });
  }
  return { separators, segments };
}

/** The raw text of field `n` (empty when absent). */
export function rawField(segment: Hl7Segment, n: number): string {
  return segment.fields[n] ?? '';
}

/** The raw text of each repetition of field `n`. */
export function repetitions(segment: Hl7Segment, n: number, sep: Hl7Separators): string[] {
  return splitOn(rawField(segment, n), sep.repetition);
}

/**
 * Component `c` (1-based) of repetition `rep` of field `n`, unescaped; for a component
 * with subcomponents, its first subcomponent. Empty string when absent.
 */
export function component(segment: Hl7Segment, n: number, c: number, sep: Hl7Separators, rep = 0): string {
  return componentOf(pieceOf(rawField(segment, n), sep.repetition, rep), c, sep);
}

/** Component `c` (1-based) of one raw repetition, unescaped (first subcomponent). */
export function componentOf(repetition: string, c: number, sep: Hl7Separators): string {
  return unescapeHl7(pieceOf(pieceOf(repetition, sep.component, c - 1), sep.subcomponent, 0), sep);
}

/** Every subcomponent (unescaped) of component `c` of field `n`, first repetition. */
export function subcomponents(segment: Hl7Segment, n: number, c: number, sep: Hl7Separators): string[] {
  const comp = pieceOf(pieceOf(rawField(segment, n), sep.repetition, 0), sep.component, c - 1);
  return comp.split(sep.subcomponent).map((x) => unescapeHl7(x, sep));
}
