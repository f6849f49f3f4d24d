/** The MSH header fields the parser and the ACK builder need. */
import { MalformedFrameError } from '@wardlink/shared';
import type { Hl7Separators } from './encoding.js';
import { component, parseHl7Structure, rawField, type Hl7Message } from './segments.js';

export interface MshHeader {
  separators: Hl7Separators;
  /** Raw (escaped) MSH-3..MSH-6, copied crosswise into the ACK. */
  sendingApplication: string;
  sendingFacility: string;
  receivingApplication: string;
  receivingFacility: string;
  /** Raw MSH-7. */
  messageTime: string;
  /** MSH-9 components 1 and 2, e.g. "ORU^R01". */
  messageType: string;
  /** MSH-10, unescaped. */
  controlId: string;
  /** Raw MSH-11 (P, T, D...) and MSH-12 (2.6 for PCD-01). */
  processingId: string;
  version: string;
}

export function readMsh(message: Hl7Message): MshHeader {
  const msh = message.segments[0];
  if (msh === undefined || msh.name !== 'MSH') throw new MalformedFrameError('the message does not start with an MSH segment');
  const sep = message.separators;
  const type = component(msh, 9, 1, sep);
  const event = component(msh, 9, 2, sep);
  return {
    separators: sep,
    sendingApplication: rawField(msh, 3),
    sendingFacility: rawField(msh, 4),
    receivingApplication: rawField(msh, 5),
    receivingFacility: rawField(msh, 6),
    messageTime: rawField(msh, 7),
    messageType: event === '' ? type : `${type}^${event}`,
    controlId: component(msh, 10, 1, sep),
    processingId: rawField(msh, 11),
    version: rawField(msh, 12),
  };
}

/** Reads the MSH of a message that may be broken further on; undefined if it has none.
 * Used to address an AE/AR acknowledgement to a message that failed to parse. */
export function tryReadMsh(text: string): MshHeader | undefined {
  try {
    return readMsh(parseHl7Structure(text));
  } catch {
    return undefined;
  }
}
