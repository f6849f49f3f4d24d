/**
 * HL7 v2 ADT from the hospital's interface engine: which patient is in which bed (the
 * events of IHE ITI-31, Patient Administration Management). Only what bed assignment
 * needs is read:
 *  - the trigger: EVN-1, else MSH-9.2 (MSH-9.3, the structure, varies by sender: ADT_A01
 *    for an A13, ADT_A09 for an A11; it is never read);
 *  - PID-3, first repetition, first component: the patient (the hospital's identifier);
 *  - PV1-3: the assigned location, point of care ^ room ^ bed (^ facility ...);
 *  - PV1-6: the prior location (A02, A12);
 *  - EVN-6 (event occurred), else EVN-2 (recorded), else MSH-7: when it happened.
 * OBX rows that some senders attach (weight, height) are not readings and are ignored.
 */
import { isIngestError, UnsupportedMessageError } from '@wardlink/shared';
import { readMsh, type MshHeader } from './msh.js';
import { component, parseHl7Structure, type Hl7Message, type Hl7Segment } from './segments.js';
import { parseHl7Time } from './timestamp.js';

/** The ADT events that change bed assignments, and their cancels. */
export const ADT_TRIGGERS = ['A01', 'A02', 'A03', 'A08', 'A11', 'A12', 'A13'] as const;
export type AdtTrigger = (typeof ADT_TRIGGERS)[number];

export interface AdtLocation {
  pointOfCare: string;
  room: string;
  bed: string;
}

export interface AdtMessage {
  msh: MshHeader;
  trigger: AdtTrigger;
  controlId: string;
  /** MSH-3 and MSH-4, first components, for the sender allowlist. */
  sendingApplication: string;
  sendingFacility: string;
  /** PID-3.1, or '' when absent. */
  patientId: string;
  location: AdtLocation | null;
  priorLocation: AdtLocation | null;
  /** When the event happened, UTC ms, or null when the message does not say. */
  eventTimeMs: number | null;
}

function location(seg: Hl7Segment | undefined, field: number, msg: Hl7Message): AdtLocation | null {
  if (seg === undefined) return null;
  const sep = msg.separators;
  const loc = { pointOfCare: component(seg, field, 1, sep).trim(), room: component(seg, field, 2, sep).trim(), bed: component(seg, field, 3, sep).trim() };
  return loc.pointOfCare === '' && loc.room === '' && loc.bed === '' ? null : loc;
}

function time(raw: string, utcOffsetMinutes: number): number | null {
  try {
    return parseHl7Time(raw, utcOffsetMinutes);
  } catch (err) {
    if (isIngestError(err)) return null; // an unreadable event time: the receive time is used
    throw err;
  }
}

/** True when the text's MSH-9 is an ADT message (cheap: no full parse). */
export function isAdtType(messageType: string): boolean {
  return messageType.startsWith('ADT^') || messageType === 'ADT';
}

export function parseAdt(text: string, utcOffsetMinutes = 0): AdtMessage {
  const msg = parseHl7Structure(text);
  const msh = readMsh(msg);
  const sep = msg.separators;
  const seg = (name: string) => msg.segments.find((s) => s.name === name);
  const evn = seg('EVN');
  const pid = seg('PID');
  const pv1 = seg('PV1');
  const trigger = ((evn ? component(evn, 1, 1, sep).trim() : '') || msh.messageType.split('^')[1] || '').toUpperCase();
  if (!(ADT_TRIGGERS as readonly string[]).includes(trigger)) throw new UnsupportedMessageError(`ADT^${trigger.slice(0, 8)}`, { controlId: msh.controlId });
  const mshSegment = msg.segments[0]!;
  const eventTime = evn ? component(evn, 6, 1, sep) || component(evn, 2, 1, sep) : '';
  return {
    msh,
    trigger: trigger as AdtTrigger,
    controlId: msh.controlId,
    sendingApplication: component(mshSegment, 3, 1, sep).trim(),
    sendingFacility: component(mshSegment, 4, 1, sep).trim(),
    patientId: pid ? component(pid, 3, 1, sep).trim() : '',
    location: location(pv1, 3, msg),
    priorLocation: location(pv1, 6, msg),
    eventTimeMs: time(eventTime.trim() || msh.messageTime, utcOffsetMinutes),
  };
}
