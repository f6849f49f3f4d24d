/**
 * HL7 acknowledgements. The transport sends AA only after the readings are committed,
 * and AE/AR (with an ERR segment naming the Wardlink error code) for a message it cannot
 * take. AR is for messages refused whatever their content (wrong type, too large, unknown
 * device); AE for content errors the device could fix.
 */
import type { IngestErrorCode } from '@wardlink/shared';
import { DEFAULT_SEPARATORS, escapeHl7 } from './encoding.js';
import type { MshHeader } from './msh.js';
import { formatHl7Time } from './timestamp.js';

export type AckCode = 'AA' | 'AE' | 'AR';

export interface AckOptions {
  /** MSH-10 of the ACK itself; default a fresh one. */
  controlId?: string;
  /** Human-readable reason (MSA-3 and ERR-8). */
  text?: string;
  /** The Wardlink error code, sent in ERR-5. */
  errorCode?: IngestErrorCode | string;
  /** ACK creation time (MSH-7), UTC ms; default now. */
  nowMs?: number;
  /** The trigger event echoed in MSH-9 (`ACK^A01^ACK` for an ADT^A01); default R01. */
  trigger?: string;
}

const REFUSED: ReadonlySet<string> = new Set([
  'WL_INGEST_UNSUPPORTED_MESSAGE',
  'WL_INGEST_PAYLOAD_TOO_LARGE',
  'WL_INGEST_UNKNOWN_DEVICE',
  'WL_INGEST_AUTH_FAILED',
  'WL_ADT_NOT_ACCEPTED',
  'WL_ADT_SENDER_NOT_ALLOWED',
  'WL_INGEST_PEER_NOT_ALLOWED',
]);

/** AR for messages refused regardless of content, AE for content errors. */
export function ackCodeFor(errorCode: string): 'AE' | 'AR' {
  return REFUSED.has(errorCode) ? 'AR' : 'AE';
}

/** HL7 table 0357 (message error condition codes). */
const HL7_ERROR: Readonly<Record<string, [string, string]>> = {
  WL_INGEST_MISSING_SEGMENT: ['100', 'Segment sequence error'],
  WL_INGEST_MALFORMED_FRAME: ['102', 'Data type error'],
  WL_INGEST_BAD_TIMESTAMP: ['102', 'Data type error'],
  WL_INGEST_NOT_NUMERIC: ['102', 'Data type error'],
  WL_INGEST_UNIT_MISMATCH: ['103', 'Table value not found'],
  WL_INGEST_UNKNOWN_METRIC: ['103', 'Table value not found'],
  WL_INGEST_UNSUPPORTED_MESSAGE: ['200', 'Unsupported message type'],
  WL_ADT_NOT_ACCEPTED: ['200', 'Unsupported message type'],
  WL_ADT_SENDER_NOT_ALLOWED: ['207', 'Application internal error'],
  WL_ADT_UNKNOWN_BED: ['103', 'Table value not found'],
  WL_ADT_MISSING_FIELD: ['101', 'Required field missing'],
  WL_INGEST_UNKNOWN_DEVICE: ['204', 'Unknown key identifier'],
  WL_INGEST_PEER_NOT_ALLOWED: ['207', 'Application internal error'],
};

let ackSequence = 0;

/** Builds the ACK text (segments ended by CR) for the message whose header is `msh`; with
 * no header (the message had no readable MSH), the ACK has empty addressing fields. */
export function buildAck(msh: MshHeader | undefined, code: AckCode, opts: AckOptions = {}): string {
  const sep = msh?.separators ?? DEFAULT_SEPARATORS;
  const f = sep.field;
  const c = sep.component;
  const esc = (t: string): string => escapeHl7(t, sep);
  const nowMs = opts.nowMs ?? Date.now();
  ackSequence = (ackSequence + 1) % 1_000_000;
  const controlId = opts.controlId ?? `ACK${nowMs.toString(36).toUpperCase()}${ackSequence}`;
  const encoding = `${sep.component}${sep.repetition}${sep.escape}${sep.subcomponent}`;
  const mshOut = [
    'MSH', encoding,
    msh?.receivingApplication ?? '', msh?.receivingFacility ?? '',
    msh?.sendingApplication ?? '', msh?.sendingFacility ?? '',
    formatHl7Time(nowMs), '', `ACK${c}${opts.trigger ?? 'R01'}${c}ACK`, esc(controlId),
    msh?.processingId || 'P', msh?.version || '2.6',
  ].join(f);
  const text = opts.text === undefined ? undefined : esc(opts.text.slice(0, 200));
  const segments = [mshOut, ['MSA', code, esc(msh?.controlId ?? ''), ...(text === undefined ? [] : [text])].join(f)];
  if (code !== 'AA') {
    const wlCode = opts.errorCode ?? 'WL_INGEST_MALFORMED_FRAME';
    const [hl7Code, hl7Text] = HL7_ERROR[wlCode] ?? ['207', 'Application internal error'];
    segments.push(['ERR', '', '', `${hl7Code}${c}${hl7Text}${c}HL70357`, 'E', `${esc(wlCode)}${c}${c}L`, '', '', text ?? ''].join(f));
  }
  return segments.join('\r') + '\r';
}
