/**
 * The contract every monitor format implements. A format turns one unit of input (an
 * HL7 message, one ASCII line) into a `ParsedRecord`: the observations of one device
 * record, plus what it refused or did not recognise. Formats never touch storage, the
 * registry or the clock; the ingest layer does (see README.md in this folder).
 *
 * Error contract:
 *  - a failure of the whole input (no frame, unsupported message, malformed line, a
 *    record timestamp that cannot be read) throws an `IngestError` (from @wardlink/shared);
 *  - a failure of one observation (not a number, wrong unit, bad OBX-14) is returned in
 *    `rejects`, and the rest of the record is kept;
 *  - nothing else is ever thrown.
 */
import type { IngestErrorCode, MetricKey, VendorCodeMap } from '@wardlink/shared';

/** One reading as a format understood it, before the ingest layer adds device and bed. */
export interface ParsedObservation {
  /** A catalog metric id, or an uncatalogued term's MDC code in decimal. */
  metric: MetricKey;
  /** A catalog metric: in the catalog unit, quantized to the metric's resolution; when
   * `flags` has INVALID, the raw number the device sent, untouched (no conversion, no
   * rounding). An uncatalogued term: exactly as sent, in `unit`. */
  value: number;
  /** `QualityFlag` bits. */
  flags: number;
  /** The observation's own device time, UTC ms, or null when the input carries none. */
  deviceTimeMs: number | null;
  /** The identifier as the device sent it (OBX-3 code, ASCII label, MQTT key). */
  rawCode: string;
  /** The MDC term it came as (a family member of a catalog metric, or the uncatalogued
   * code), and its rank in the family (families.ts): when one record carries two terms of
   * one family, the better ranked is the metric and the other keeps its own code. */
  term: number;
  rank: number;
  /** Only for an uncatalogued term: its UCUM unit ('' when the device sent none). */
  unit?: string;
  /** Where in the device it came from, when the format says (HL7 OBX-4 sub-id: a monitor
   * with two temperature probes sends MDC_TEMP twice, on channels 1.26.1.1 and 1.26.1.2). */
  channel?: string;
  /** Set by settleFamilies on the second and later instances of one metric in one record:
   * their channel. They are kept as the device's instance `<device>~<instance>`. */
  instance?: string;
}

/** An observation (or a whole record) the format refused, with a stable code to count. */
export interface FormatReject {
  code: IngestErrorCode;
  message: string;
  /** The identifier of the refused observation, when the reject is about one. */
  rawCode?: string;
}

export interface ParsedRecord {
  /** The record's device time, UTC ms (OBR-7/MSH-7, the line's timestamp, MQTT `ts`), or
   * null when the format has none: the ingest layer then uses the receive time. */
  deviceTimeMs: number | null;
  observations: ParsedObservation[];
  /** SENSOR_OFF/DEMO seen anywhere in the record (ASCII status word, HL7 OBX-8, MQTT
   * flags), set even when no value came with them, so a sensor-off technical alarm can be
   * raised. Each observation's own `flags` are authoritative: an ASCII status word applies
   * to the whole line, an HL7 OBX-8 word only to its own OBX. */
  recordFlags: number;
  /** Status words as received (SENSOR_OFF, LOW_PERF, OBX-8 flags...), for logs and alarms. */
  statusWords: string[];
  patientId?: string;
  bedLabel?: string;
  equipmentId?: string;
  /** HL7 MSH-10, echoed in the ACK. */
  controlId?: string;
  /** Identifiers that name no term Wardlink can key a value by (a private code no vendor
   * map names, an unknown label): refused, counted by the ingest layer per device and code. */
  unknownCodes: string[];
  rejects: FormatReject[];
}

/** What a format knows about the device it is parsing for. */
export interface FormatContext {
  /** The device's vendor code map (code or label → catalog metric id); it wins over the
   * format's defaults. */
  vendorMap?: VendorCodeMap;
  /** The device clock's offset from UTC in minutes (+60 for UTC+01:00), used for
   * timestamps that carry no offset. Default 0. */
  utcOffsetMinutes?: number;
  /** Numbers the device sends to mean "no valid value". Default `DEFAULT_INVALID_MARKERS`. */
  invalidMarkers?: readonly number[];
  /** The gateway's wall clock, UTC ms; used to pick the century of two-digit years. */
  now?: () => number;
}

/** A serial/TCP text format: one call per framed message or line. */
export interface LineFormat {
  readonly name: string;
  parse(input: string, ctx: FormatContext): ParsedRecord;
}

/** A record with nothing in it yet. */
export function emptyRecord(deviceTimeMs: number | null = null): ParsedRecord {
  return { deviceTimeMs, observations: [], recordFlags: 0, statusWords: [], unknownCodes: [], rejects: [] };
}
