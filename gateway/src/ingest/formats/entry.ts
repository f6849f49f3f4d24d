/**
 * A registry entry: everything the transports need to take one monitor format, so that a
 * serial port or a TCP listener runs any format the same way (../receivers.ts) and adding
 * a format is adding its folder and one line in registry.ts.
 *
 * The steps a transport takes with one frame, in this order:
 *   framing.isBlank  → skipped, never answered
 *   decode           → the message; throws an IngestError for a frame that is no message
 *   admissionText    → (shared listener only) handed to the ADT feed instead
 *   assertUsable     → throws an IngestError for a message Wardlink does not take whole
 *   identify         → (shared listener only) the device, by the ids the message names
 *   read             → the ParsedRecord, with the device's vendor map and clock offset
 *   commit, then ack → accepted after the commit; refused with the error's code; never
 *                      acknowledged and then dropped
 * The message is decoded once and read once: the device's context is applied when it is
 * read, never by parsing the frame again.
 */
import type { FormatContext, LineFormat, ParsedRecord } from './format.js';

/** How a transport cuts a byte stream into this format's frames, and frames its replies. */
export interface Framing {
  /** The bytes that end one frame (MLLP 0x1C 0x0D, a newline), for @serialport/parser-delimiter. */
  readonly delimiter: Buffer;
  /** A frame with nothing in it (keep-alive bytes between frames, a blank line): skipped, never answered. */
  isBlank(frame: Buffer): boolean;
  /** A reply as it goes on the wire (MLLP: 0x0B reply 0x1C 0x0D). */
  wrap(reply: string): Buffer;
}

export interface FrameLimits {
  /** The largest message accepted, in bytes (config `hl7.maxMessageBytes`). */
  maxBytes: number;
}

/** How a message names its device, on a listener many devices share (HL7 over TCP). */
export interface DeviceIdentity {
  /** Ids to look up as a device's `matchId`, most specific first; empty ones are skipped. */
  candidates: readonly (string | undefined)[];
  /** The id an unknown-device refusal names. */
  shownAs: string;
}

/** Anything refused with a stable code: an IngestError, or a commit failure's code. */
export interface Refusal {
  code: string;
  message: string;
}

/**
 * The replies of a format whose sender waits for one (HL7: MSA AA/AE/AR). Each returns the
 * reply text; the framing wraps it. `message` is undefined when the frame did not decode.
 */
export interface Acknowledgement<M> {
  /** The record is committed (HL7 AA). Never sent before the commit. */
  accepted(message: M, nowMs: number): string;
  /** The message is refused, with the code the sender sees (HL7 AR or AE, and ERR). */
  refused(message: M | undefined, refusal: Refusal, nowMs: number): string;
  /** The commit failed: nothing is lost if the sender resends later (HL7 AE). */
  notCommitted(message: M | undefined, code: string, nowMs: number): string;
}

/**
 * One wire format. `M` is the decoded message the steps hand on (HL7: its parsed segments
 * and MSH; a line format: the line's text). Method syntax on purpose: an entry of any `M`
 * is stored as a `FormatEntry` (registry.ts), and its own steps only ever see its own `M`.
 */
export interface FormatEntry<M = unknown> extends LineFormat {
  readonly framing: Framing;
  /** The replies, or 'none' for a format whose devices expect no answer (ASCII lines). */
  readonly ack: Acknowledgement<M> | 'none';
  /** One frame as a message. Throws an IngestError when it is none (too large, no header). */
  decode(frame: Buffer, limits: FrameLimits): M;
  /** Throws an IngestError for a message this format decodes but Wardlink does not take
   * (HL7: not ORU^R01, no OBX). Before the device is looked up, as its refusal needs none. */
  assertUsable?(message: M): void;
  /** The device ids the message names; a format without it has no shared listener. */
  identify?(message: M): DeviceIdentity;
  /** The text of a message that is an admission event (HL7 ADT), not readings: a shared
   * listener hands it to the ADT feed. */
  admissionText?(message: M): string | undefined;
  /** The record, read with the device's context. Throws only IngestErrors (format.ts). */
  read(message: M, ctx: FormatContext): ParsedRecord;
}

/** An entry a listener shared by many devices can take: its messages name their device. */
export type SharedListenerFormat<M = unknown> = FormatEntry<M> & Required<Pick<FormatEntry<M>, 'identify'>>;
