/** The `hl7-mllp` format: IHE PCD-01 ORU^R01 messages in MLLP frames. */
export { HL7_ACKNOWLEDGEMENT, hl7MllpFormat, type DecodedHl7 } from './hl7-mllp.js';
export { ackCodeFor, buildAck, type AckCode, type AckOptions } from './ack.js';
export { normalizeMdcCode, resolveObservation } from './codes.js';
export { DEFAULT_SEPARATORS, escapeHl7, unescapeHl7, type Hl7Separators } from './encoding.js';
export { DEFAULT_MAX_MESSAGE_BYTES, deframeMllp, MLLP_DELIMITER, MLLP_END, MLLP_FRAMING, MLLP_START, mllpFrame } from './mllp.js';
export { readMsh, tryReadMsh, type MshHeader } from './msh.js';
export { assertOruR01, parseOruR01, readOruR01, type Hl7Record } from './oru.js';
export { hl7DeviceIdentity } from './identity.js';
export { parseHl7Structure, type Hl7Message, type Hl7Segment } from './segments.js';
export { formatHl7Time, parseHl7Time } from './timestamp.js';
