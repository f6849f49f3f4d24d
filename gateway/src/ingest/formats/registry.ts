/**
 * The format registry: a device's configured `format` name → its entry. A framed format
 * (entry.ts: framing, decoding, reading and acknowledgement) is one of FORMATS: the serial
 * ports and the HL7 listener run every format through its entry (../receivers.ts). A
 * payload format (payload-entry.ts: parse only) is one of PAYLOAD_FORMATS: the MQTT
 * transports read every payload through its entry (../mqtt/payload-parser.ts). No
 * transport knows a format by name, so adding a monitor type is adding its folder and one
 * line here.
 */
import { WardlinkError } from '@wardlink/shared';
import { asciiKvFormat } from './ascii/ascii-kv.js';
import { asciiTsFormat } from './ascii/ascii-ts.js';
import type { FormatEntry } from './entry.js';
import { hl7MllpFormat } from './hl7/hl7-mllp.js';
import { mqttJsonFormat } from './mqtt-json.js';
import type { PayloadFormatEntry } from './payload-entry.js';

/** The framed formats Wardlink ships (serial and TCP). */
export const FORMATS = {
  'hl7-mllp': hl7MllpFormat,
  'ascii-kv': asciiKvFormat,
  'ascii-ts': asciiTsFormat,
} as const satisfies Readonly<Record<string, FormatEntry>>;

export type FormatName = keyof typeof FORMATS;
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

/** The payload formats of MQTT devices; the first is the default (`device add --kind mqtt`). */
export const PAYLOAD_FORMATS = {
  'mqtt-json': mqttJsonFormat,
} as const satisfies Readonly<Record<string, PayloadFormatEntry>>;

export type PayloadFormatName = keyof typeof PAYLOAD_FORMATS;
export const PAYLOAD_FORMAT_NAMES = Object.keys(PAYLOAD_FORMATS) as PayloadFormatName[];

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
  if (isFormatName(entry.name) || isPayloadFormatName(entry.name) || registered.has(entry.name)) throw new FormatNameTakenError(entry.name);
  registered.set(entry.name, entry);
  return () => {
    if (registered.get(entry.name) === entry) registered.delete(entry.name);
  };
}

export function isPayloadFormatName(name: string): name is PayloadFormatName {
  return Object.hasOwn(PAYLOAD_FORMATS, name);
}

/** The entry for a configured format name, or undefined (config validation reports it). */
export function formatByName(name: string): FormatEntry | undefined {
  return isFormatName(name) ? FORMATS[name] : registered.get(name);
}

/** The payload format of an MQTT device's configured format name, or undefined. */
export function payloadFormatByName(name: string): PayloadFormatEntry | undefined {
  return isPayloadFormatName(name) ? PAYLOAD_FORMATS[name] : undefined;
}

/**
 * The format names a device of a transport may use, the default first: any framed entry on
 * a serial port (it is the device's own line), only a framed entry that names its device
 * (`identify`) on the shared TCP listener, a payload format over MQTT. Read at the time of
 * the call, so a registered format is offered too.
 */
export function formatNamesFor(transport: 'serial' | 'tcp-hl7' | 'mqtt'): string[] {
  if (transport === 'mqtt') return [...PAYLOAD_FORMAT_NAMES];
  const all: FormatEntry[] = [...Object.values(FORMATS), ...registered.values()];
  return all.filter((f) => transport === 'serial' || f.identify !== undefined).map((f) => f.name);
}
