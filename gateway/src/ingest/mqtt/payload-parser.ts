/**
 * How the MQTT broker and bridge read a device's payload: through the device's payload
 * format entry (../formats/registry.ts `PAYLOAD_FORMATS`), with the device's vendor map and
 * clock offset, so neither transport knows a format by name (as the serial ports and the
 * HL7 listener read frames through a `FormatEntry`).
 */
import { PAYLOAD_FORMAT_NAMES, PAYLOAD_FORMATS, payloadFormatByName } from '../formats/registry.js';
import type { PayloadFormatEntry } from '../formats/payload-entry.js';
import type { MqttPayloadParser } from './broker.js';

export interface PayloadParserOptions {
  /** `mqtt.maxPayloadBytes`: larger payloads are refused before they are decoded. */
  maxPayloadBytes: number;
  now: () => number;
}

// An MQTT device whose format names no payload format (only one written to the database by
// hand: `device add` refuses it) is read as the default, as every MQTT device always was.
const DEFAULT_FORMAT: PayloadFormatEntry = PAYLOAD_FORMATS[PAYLOAD_FORMAT_NAMES[0]!];

export function payloadParser(opts: PayloadParserOptions): MqttPayloadParser {
  const limits = { maxBytes: opts.maxPayloadBytes };
  return (payload, device) => {
    const format = payloadFormatByName(device.format) ?? DEFAULT_FORMAT;
    return format.parse(payload, { vendorMap: device.vendorMap, utcOffsetMinutes: device.utcOffsetMinutes, now: opts.now }, limits);
  };
}
