/** The `hl7-mllp` format: IHE PCD-01 ORU^R01 messages in MLLP frames. */
import type { LineFormat } from '../format.js';
import { deframeMllp } from './mllp.js';
import { parseOruR01 } from './oru.js';

export const hl7MllpFormat: LineFormat = {
  name: 'hl7-mllp',
  parse: (input, ctx) => parseOruR01(deframeMllp(input), ctx),
};

export { ackCodeFor, buildAck, type AckCode, type AckOptions } from './ack.js';
export { normalizeMdcCode, resolveObservation } from './codes.js';
export { DEFAULT_SEPARATORS, escapeHl7, unescapeHl7, type Hl7Separators } from './encoding.js';
export { DEFAULT_MAX_MESSAGE_BYTES, deframeMllp, MLLP_DELIMITER, MLLP_END, MLLP_START, mllpFrame } from './mllp.js';
export { readMsh, tryReadMsh, type MshHeader } from './msh.js';
export { parseOruR01, type Hl7Record } from './oru.js';
export { parseHl7Structure, type Hl7Message, type Hl7Segment } from './segments.js';
export { formatHl7Time, parseHl7Time } from './timestamp.js';
