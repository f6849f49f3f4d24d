/**
 * The format registry: a device's configured `format` name → its parser. Adding a monitor
 * type is adding one file and one line here.
 */
import { asciiKvFormat } from './ascii/ascii-kv.js';
import { asciiTsFormat } from './ascii/ascii-ts.js';
import type { LineFormat } from './format.js';
import { hl7MllpFormat } from './hl7/index.js';

export const FORMATS = {
  'hl7-mllp': hl7MllpFormat,
  'ascii-kv': asciiKvFormat,
  'ascii-ts': asciiTsFormat,
} as const satisfies Readonly<Record<string, LineFormat>>;

export type FormatName = keyof typeof FORMATS;
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];

export function isFormatName(name: string): name is FormatName {
  return Object.hasOwn(FORMATS, name);
}

/** The parser for a configured format name, or undefined (config validation reports it). */
export function formatByName(name: string): LineFormat | undefined {
  return isFormatName(name) ? FORMATS[name] : undefined;
}

export * from './format.js';
export { buildObservation, DEFAULT_INVALID_MARKERS, isAbsentValue, parseDecimal } from './observation.js';
export { checkUnit, ucumFor } from './units.js';
export { settleFamilies } from './families.js';
export { ASCII_KV_LABELS } from './ascii/ascii-kv.js';
export { IGNORED_LABELS, STATUS_WORD_FLAGS } from './ascii/kv-body.js';
export { DEFAULT_MAX_MQTT_PAYLOAD_BYTES, parseMqttJson, type MqttParseOptions } from './mqtt-json.js';
export * from './hl7/index.js';
