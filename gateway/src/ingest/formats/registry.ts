/**
 * The format registry: a device's configured `format` name → its entry (entry.ts): framing,
 * decoding, reading and acknowledgement. The serial ports and the HL7 listener run every
 * format through its entry (../receivers.ts) and know no format by name, so adding a
 * monitor type is adding its folder and one line in FORMATS.
 */
import { WardlinkError } from '@wardlink/shared';
import { asciiKvFormat } from './ascii/ascii-kv.js';
import { asciiTsFormat } from './ascii/ascii-ts.js';
import type { FormatEntry } from './entry.js';
import { hl7MllpFormat } from './hl7/hl7-mllp.js';

/** The formats Wardlink ships. */
export const FORMATS = {
  'hl7-mllp': hl7MllpFormat,
  'ascii-kv': asciiKvFormat,
  'ascii-ts': asciiTsFormat,
} as const satisfies Readonly<Record<string, FormatEntry>>;

export type FormatName = keyof typeof FORMATS;
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

/** Formats added at run time beside the shipped ones (a test's format, a site's own). */
const registered = new Map<string, FormatEntry>();

/** A second format under a name the registry already has: devices would not know which. */
export class FormatNameTakenError extends WardlinkError {
  constructor(name: string) {
    super('WL_FORMAT_NAME_TAKEN', `A format named "${name}" is already registered. Give the new format its own name.`, { name });
  }
}

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}

/**
 * Adds a format before the daemon starts the devices that use it. Returns the function
 * that removes it again (tests). A shipped format is never replaced.
 */
export function registerFormat<M>(entry: FormatEntry<M>): () => void {
  if (isFormatName(entry.name) || registered.has(entry.name)) throw new FormatNameTakenError(entry.name);
  registered.set(entry.name, entry);
  return () => {
    if (registered.get(entry.name) === entry) registered.delete(entry.name);
  };
}

/** The entry for a configured format name, or undefined (config validation reports it). */
export function formatByName(name: string): FormatEntry | undefined {
  return isFormatName(name) ? FORMATS[name] : registered.get(name);
}

/**
 * The format names a device of a framed transport may use: any entry on a serial port (it
 * is the device's own line), only an entry that names its device (`identify`) on the shared
 * TCP listener. Read at the time of the call, so a registered format is offered too.
 */
export function formatNamesFor(transport: 'serial' | 'tcp-hl7'): string[] {
  const all: FormatEntry[] = [...Object.values(FORMATS), ...registered.values()];
  return all.filter((f) => transport === 'serial' || f.identify !== undefined).map((f) => f.name);
}
