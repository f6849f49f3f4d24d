/**
 * Errors raised while taking readings in at the gateway (serial, TCP HL7, MQTT). Each
 * failure has its own class and stable `code`; the gateway counts rejects per device by
 * `code` in /metrics, so codes never change once shipped.
 *
 * Details never carry patient identifiers or whole payloads (they reach logs): only
 * sizes, positions, segment names and the offending token.
 */
import { WardlinkError } from './base.js';

/** Every ingest error code, in a fixed order (used to pre-register metric labels). */
export const INGEST_ERROR_CODES = [
  'WL_INGEST_MALFORMED_FRAME',
  'WL_INGEST_MALFORMED_LINE',
  'WL_INGEST_MISSING_SEGMENT',
  'WL_INGEST_BAD_TIMESTAMP',
  'WL_INGEST_UNKNOWN_METRIC',
  'WL_INGEST_UNIT_MISMATCH',
  'WL_INGEST_NOT_NUMERIC',
  'WL_INGEST_FUTURE_TIMESTAMP',
  'WL_INGEST_TOO_OLD',
  'WL_INGEST_UNSUPPORTED_MESSAGE',
  'WL_INGEST_PAYLOAD_TOO_LARGE',
  'WL_INGEST_UNKNOWN_DEVICE',
  'WL_INGEST_AUTH_FAILED',
  'WL_INGEST_TOPIC_DENIED',
  'WL_INGEST_BAD_PAYLOAD',
  'WL_INGEST_DUPLICATE_TERM',
  'WL_ADT_NOT_ACCEPTED',
  'WL_ADT_SENDER_NOT_ALLOWED',
  'WL_ADT_UNKNOWN_BED',
  'WL_ADT_MISSING_FIELD',
  'WL_INGEST_TOO_MANY_CONNECTIONS',
  'WL_INGEST_CLIENT_ID_DENIED',
  'WL_INGEST_RETAIN_DENIED',
  'WL_INGEST_PEER_NOT_ALLOWED',
  'WL_INGEST_TIMEOUT',
] as const;
export type IngestErrorCode = (typeof INGEST_ERROR_CODES)[number];

/** The common parent of every ingest error, so callers can catch them as one family. */
export abstract class IngestError extends WardlinkError {
  declare readonly code: IngestErrorCode;

  protected constructor(code: IngestErrorCode, message: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, detail, options);
  }
}

export function isIngestError(err: unknown): err is IngestError {
  return err instanceof IngestError;
}

/** An HL7/MLLP frame that cannot be read as a message at all (no MSH, bad separators). */
export class MalformedFrameError extends IngestError {
  constructor(reason: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_MALFORMED_FRAME', `Malformed HL7 frame: ${reason}. Check that the device sends MLLP-framed HL7 v2 starting with an MSH segment.`, detail);
  }
}

/** An ASCII line that is not in the device's configured format. */
export class MalformedLineError extends IngestError {
  constructor(reason: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_MALFORMED_LINE', `Malformed line: ${reason}. Check the device's configured format and baud rate.`, detail);
  }
}

/** A message without a segment the format requires (e.g. an ORU^R01 without any OBX). */
export class MissingSegmentError extends IngestError {
  constructor(segment: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_MISSING_SEGMENT', `The message has no ${segment} segment, which is required. Check the device's HL7 export profile (IHE PCD-01).`, { segment, ...detail });
  }
}

/** A device timestamp that cannot be parsed or is not a real instant. */
export class BadTimestampError extends IngestError {
  constructor(value: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_BAD_TIMESTAMP', `Unreadable device timestamp "${value}". Check the device clock and its time format setting.`, { value, ...detail });
  }
}

/** An observation code Wardlink cannot key a value by: a private code (a coding system
 * other than MDC, an ASCII label) that the device's vendor map does not name. */
export class UnknownMetricError extends IngestError {
  constructor(code: string, detail: Record<string, unknown> = {}) {
    super(
      'WL_INGEST_UNKNOWN_METRIC',
      `Unknown observation code "${code}": not an ISO/IEEE 11073 (MDC) term and not in the device's vendor map. Map it to a metric id or an MDC code with --vendor-map.`,
      { metricCode: code, ...detail },
    );
  }
}

/** A value sent in a unit that is neither the catalog unit nor one Wardlink converts. */
export class UnitMismatchError extends IngestError {
  constructor(metric: string, unit: string, expected: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_UNIT_MISMATCH', `${metric} arrived in unit "${unit}", expected ${expected}. Set the device to report in the catalog unit.`, { metric, unit, expected, ...detail });
  }
}

/** A value that should be a number and is not. */
export class NotNumericError extends IngestError {
  constructor(value: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_NOT_NUMERIC', `Value "${value}" is not a number. Check the device's export format.`, { value, ...detail });
  }
}

/** A device time too far ahead of the gateway clock (only when the policy is to refuse). */
export class FutureTimestampError extends IngestError {
  constructor(deviceTimeMs: number, nowMs: number, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_FUTURE_TIMESTAMP', `Device time is ${Math.round((deviceTimeMs - nowMs) / 1000)} s ahead of the gateway clock. Set the device clock (or enable NTP on it).`, { deviceTimeMs, nowMs, ...detail });
  }
}

/** A device time older than the buffer horizon: the reading is refused. */
export class TooOldError extends IngestError {
  constructor(deviceTimeMs: number, nowMs: number, horizonMs: number, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_TOO_OLD', `Device time is ${Math.round((nowMs - deviceTimeMs) / 1000)} s old, past the ${Math.round(horizonMs / 1000)} s horizon. Check the device clock.`, { deviceTimeMs, nowMs, horizonMs, ...detail });
  }
}

/** A well-formed message of a type the gateway does not take (anything but ORU^R01). */
export class UnsupportedMessageError extends IngestError {
  constructor(messageType: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_UNSUPPORTED_MESSAGE', `Message type "${messageType}" is not supported; only ORU^R01 (IHE PCD-01) is. Turn other message types off on the device.`, { messageType, ...detail });
  }
}

/** A frame or payload over the configured byte limit; refused before it is parsed. */
export class PayloadTooLargeError extends IngestError {
  constructor(bytes: number, limitBytes: number, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_PAYLOAD_TOO_LARGE', `Payload of ${bytes} bytes exceeds the ${limitBytes}-byte limit. Send fewer readings per message.`, { bytes, limitBytes, ...detail });
  }
}

/** Data from a device the registry does not know. */
export class UnknownDeviceError extends IngestError {
  constructor(deviceRef: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_UNKNOWN_DEVICE', `Unknown device "${deviceRef}". Register it with \`wardlink-gateway device add\`.`, { deviceRef, ...detail });
  }
}

/** Wrong or missing device credentials. The detail never includes the secret. */
export class AuthFailedError extends IngestError {
  constructor(deviceRef: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_AUTH_FAILED', `Authentication failed for "${deviceRef}". Re-issue the device's credentials with the CLI.`, { deviceRef, ...detail });
  }
}

/** A device publishing or subscribing outside its own topic. */
export class TopicDeniedError extends IngestError {
  constructor(deviceRef: string, topic: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_TOPIC_DENIED', `Device "${deviceRef}" may not use topic "${topic}". A device publishes only to its own topic.`, { deviceRef, topic, ...detail });
  }
}

/** An MQTT payload that is not the documented JSON shape. */
export class BadPayloadError extends IngestError {
  constructor(reason: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_BAD_PAYLOAD', `Bad MQTT payload: ${reason}. See the payload format in the README.`, detail);
  }
}

/** One metric twice at one time in one record, both under the metric's own term: the
 * values cannot both be the metric (its key is device, metric, time), so the first is
 * kept and the second refused. A second term of the metric's family is not this: it is
 * kept under its own code. */
export class DuplicateTermError extends IngestError {
  constructor(metric: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_DUPLICATE_TERM', `${metric} appears twice at one time in one record; the first is kept. Check the device's vendor map: two of its codes may map to one metric.`, { metric, ...detail });
  }
}

/** An HL7 ADT message reached a gateway whose admissions come from elsewhere. */
export class AdtNotAcceptedError extends IngestError {
  constructor(source: string, detail: Record<string, unknown> = {}) {
    super('WL_ADT_NOT_ACCEPTED', `This gateway takes admissions from "${source}", not from an ADT feed. Set admissions.source to "adt" (and admissions.adt.senders) to take them from the interface engine.`, { source, ...detail });
  }
}

/** An ADT message from a sender (MSH-3/MSH-4) or a peer address the configuration does not allow. */
export class AdtSenderNotAllowedError extends IngestError {
  constructor(sender: string, detail: Record<string, unknown> = {}) {
    super('WL_ADT_SENDER_NOT_ALLOWED', `ADT sender "${sender}" is not allowed. Add it to admissions.adt.senders (and its address to admissions.adt.peers).`, { sender, ...detail });
  }
}

/** An ADT message for this ward names a bed the gateway does not know. */
export class AdtUnknownBedError extends IngestError {
  constructor(location: string, detail: Record<string, unknown> = {}) {
    super('WL_ADT_UNKNOWN_BED', `ADT location "${location}" is no bed of this gateway. Add the bed, or map the location in admissions.adt.beds.`, { location, ...detail });
  }
}

/** An ADT message without a field its event needs (PID-3, PV1-3). */
export class AdtMissingFieldError extends IngestError {
  constructor(field: string, detail: Record<string, unknown> = {}) {
    super('WL_ADT_MISSING_FIELD', `The ADT message has no ${field}, which its event needs.`, { field, ...detail });
  }
}

/** A listener's connection cap (in total or for one address) was reached: the connection was closed at once. */
export class TooManyConnectionsError extends IngestError {
  constructor(listener: string, scope: 'total' | 'address', limit: number, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_TOO_MANY_CONNECTIONS', `The ${listener} listener has ${limit} connections${scope === 'address' ? ' from this address' : ''} open already; the new one was closed. Find the device that reconnects without closing, or raise ${listener}.maxConnections${scope === 'address' ? 'PerAddress' : ''}.`, { listener, scope, limit, ...detail });
  }
}

/** An MQTT client id that is not the client's own (the device id or viewer name, or starting with it and "-"). */
export class ClientIdDeniedError extends IngestError {
  constructor(username: string, clientId: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_CLIENT_ID_DENIED', `"${username}" may not connect as client id "${clientId.slice(0, 64)}": a client id is the account's own name, or starts with it and "-", so nobody can take over another's session.`, { username, clientId: clientId.slice(0, 64), ...detail });
  }
}

/** A device published with the retain flag: readings are never retained (or routed). */
export class RetainDeniedError extends IngestError {
  constructor(deviceRef: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_RETAIN_DENIED', `Device "${deviceRef}" published a retained message; readings may not be retained. Turn the retain flag off on the device.`, { deviceRef, ...detail });
  }
}

/** A message from an address not on the device's (or the listener's) allowlist. */
export class PeerNotAllowedError extends IngestError {
  constructor(deviceRef: string, address: string, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_PEER_NOT_ALLOWED', `"${deviceRef}" may not send from ${address}. Add the address to the device's allowed peers (device set-peers) if it is the device's.`, { deviceRef, address, ...detail });
  }
}

/** A connection idle too long, or a message begun and not finished in time. */
export class IngestTimeoutError extends IngestError {
  constructor(what: 'idle' | 'message', ms: number, detail: Record<string, unknown> = {}) {
    super('WL_INGEST_TIMEOUT', what === 'idle' ? `No data for ${ms} ms; the connection was closed (the device reconnects when it has data).` : `A message begun was not finished within ${ms} ms; the connection was closed and the partial message dropped (never acknowledged).`, { what, ms, ...detail });
  }
}
