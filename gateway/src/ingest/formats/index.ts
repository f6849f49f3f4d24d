/** The formats folder's public face: the registry, the contracts, and the parsers. */
export {
  FORMAT_NAMES,
  FORMATS,
  FormatNameTakenError,
  formatByName,
  formatNamesFor,
  isFormatName,
  isPayloadFormatName,
  PAYLOAD_FORMAT_NAMES,
  PAYLOAD_FORMATS,
  payloadFormatByName,
  registerFormat,
  type FormatName,
  type PayloadFormatName,
} from './registry.js';
export * from './entry.js';
export type { PayloadFormatEntry } from './payload-entry.js';
export { lineFormatEntry, NEWLINE_FRAMING } from './line-entry.js';
export * from './format.js';
export { buildObservation, DEFAULT_INVALID_MARKERS, isAbsentValue, parseDecimal } from './observation.js';
export { checkUnit, ucumFor } from './units.js';
export { settleFamilies } from './families.js';
export { ASCII_KV_LABELS } from './ascii/ascii-kv.js';
export { IGNORED_LABELS, STATUS_WORD_FLAGS } from './ascii/kv-body.js';
export { DEFAULT_MAX_MQTT_PAYLOAD_BYTES, mqttJsonFormat, parseMqttJson, type MqttParseOptions } from './mqtt-json.js';
export * from './hl7/index.js';
