/**
 * A payload format's registry entry (registry.ts `PAYLOAD_FORMATS`): the formats of MQTT,
 * where one PUBLISH is one whole message. So an entry has no framing (the MQTT packet is
 * the frame) and no acknowledgement (the PUBACK, sent only after the commit, is the
 * transport's, whatever the format). The MQTT broker and bridge read every payload through
 * the device's entry (../mqtt/payload-parser.ts) and know no format by name, as the serial
 * ports and the HL7 listener do with a framed `FormatEntry` (entry.ts).
 */
import type { FrameLimits } from './entry.js';
import type { FormatContext, ParsedRecord } from './format.js';

export interface PayloadFormatEntry {
  readonly name: string;
  /** One payload as a record, read with the device's context; the size is checked before
   * decoding. Throws only IngestErrors (format.ts). */
  parse(payload: Buffer | Uint8Array | string, ctx: FormatContext, limits: FrameLimits): ParsedRecord;
}
