/**
 * The `hl7-mllp` registry entry: IHE PCD-01 ORU^R01 in MLLP frames, over a serial port or
 * the shared HL7 listener, answered with an HL7 ACK: AA only after the commit, AE or AR
 * (`ackCodeFor`) with an ERR segment naming the Wardlink code otherwise. ADT messages on
 * the listener are the ADT feed's (../../adt-feed.ts).
 */
import type { Acknowledgement, SharedListenerFormat } from '../entry.js';
import { ackCodeFor, buildAck } from './ack.js';
import { isAdtType } from './adt.js';
import { hl7DeviceIdentity } from './identity.js';
import { deframeMllp, MLLP_FRAMING } from './mllp.js';
import { readMsh, type MshHeader } from './msh.js';
import { assertOruR01, parseOruR01, readOruR01 } from './oru.js';
import { parseHl7Structure, type Hl7Message } from './segments.js';

/** One MLLP frame, decoded once: every later step reads these segments. */
export interface DecodedHl7 {
  /** The message text out of its frame (the ADT feed takes the text). */
  text: string;
  message: Hl7Message;
  msh: MshHeader;
}

export const HL7_ACKNOWLEDGEMENT: Acknowledgement<DecodedHl7> = {
  accepted: (decoded, nowMs) => buildAck(decoded.msh, 'AA', { nowMs }),
  // A frame that did not decode has no MSH: the ACK goes out with empty addressing fields.
  refused: (decoded, refusal, nowMs) => buildAck(decoded?.msh, ackCodeFor(refusal.code), { errorCode: refusal.code, text: refusal.message, nowMs }),
  notCommitted: (decoded, code, nowMs) => buildAck(decoded?.msh, 'AE', { errorCode: code, text: 'gateway buffer unavailable; resend later', nowMs }),
};

export const hl7MllpFormat: SharedListenerFormat<DecodedHl7> = {
  name: 'hl7-mllp',
  framing: MLLP_FRAMING,
  ack: HL7_ACKNOWLEDGEMENT,
  decode(frame, limits) {
    const text = deframeMllp(frame, limits.maxBytes);
    const message = parseHl7Structure(text);
    return { text, message, msh: readMsh(message) };
  },
  admissionText: (decoded) => (isAdtType(decoded.msh.messageType) ? decoded.text : undefined),
  assertUsable: (decoded) => assertOruR01(decoded.message, decoded.msh),
  identify: (decoded) => hl7DeviceIdentity(decoded.message, decoded.msh),
  read: (decoded, ctx) => readOruR01(decoded.message, decoded.msh, ctx),
  parse: (input, ctx) => parseOruR01(deframeMllp(input), ctx),
};
