/**
 * An Observation's id: its key written in FHIR's id alphabet (A-Z a-z 0-9 - ., at most
 * 64 characters), so GET Observation/{id} can find it again without a lookup table.
 * The key is the reading's primary key within the hospital (the hospital is in the
 * URL): time, metric (a blood pressure panel's is its family's MDC code), patient,
 * gateway and device. Bytes, then base64url with "_" written as "." (FHIR ids have no
 * "_"):
 * - kind 1 (the usual case): time (6 bytes, ms), metric (4 bytes), then the three ids,
 *   each a length byte and its UTF-8; fits while the three ids total 34 bytes;
 * - kind 2 (longer ids): time, metric, then 12 bytes of a SHA-256 of the three ids;
 *   found again by reading that millisecond hospital-wide and matching the id.
 * Decoding refuses anything that is not exactly what encoding writes (one id, one key).
 */
import { createHash } from 'node:crypto';
import { FhirInvalidIdError } from './fhir-errors.js';

export interface ObservationKey {
  t: Date;
  metric: number;
  patientId: string;
  gatewayId: string;
  deviceId: string;
}

/** What an id says: the whole key, or (kind 2) the time and metric and a digest of the rest. */
export type DecodedObservationId = { kind: 'full'; key: ObservationKey } | { kind: 'hashed'; t: Date; metric: number };

const FULL = 1;
const HASHED = 2;
const MAX_ID_CHARS = 64;
/** 64 characters of base64 are 48 bytes: 1 kind + 6 time + 4 metric + 3 lengths. */
const MAX_FULL_ID_BYTES = 48 - 14;
const ID_SYNTAX = /^[A-Za-z0-9\-.]{1,64}$/;

function toId(bytes: Buffer): string {
  return bytes.toString('base64url').replaceAll('_', '.');
}

function head(kind: number, t: Date, metric: number): Buffer {
  const b = Buffer.alloc(11);
  b.writeUInt8(kind, 0);
  b.writeUIntBE(t.getTime(), 1, 6);
  b.writeUInt32BE(metric, 7);
  return b;
}

function digest(patientId: string, gatewayId: string, deviceId: string): Buffer {
  return createHash('sha256').update(`${patientId}\u0000${gatewayId}\u0000${deviceId}`).digest().subarray(0, 12);
}

export function encodeObservationId(k: ObservationKey): string {
  const ids = [k.patientId, k.gatewayId, k.deviceId].map((s) => Buffer.from(s, 'utf8'));
  const total = ids.reduce((n, b) => n + b.length, 0);
  if (total <= MAX_FULL_ID_BYTES) {
    return toId(Buffer.concat([head(FULL, k.t, k.metric), ...ids.flatMap((b) => [Buffer.of(b.length), b])]));
  }
  return toId(Buffer.concat([head(HASHED, k.t, k.metric), digest(k.patientId, k.gatewayId, k.deviceId)]));
}

function readIds(bytes: Buffer): [string, string, string] | undefined {
  const out: string[] = [];
  let at = 11;
  for (let i = 0; i < 3; i++) {
    if (at >= bytes.length) return undefined;
    const n = bytes.readUInt8(at);
    if (at + 1 + n > bytes.length) return undefined;
    out.push(bytes.subarray(at + 1, at + 1 + n).toString('utf8'));
    at += 1 + n;
  }
  return at === bytes.length ? (out as [string, string, string]) : undefined;
}

function decoded(raw: string): DecodedObservationId | undefined {
  if (!ID_SYNTAX.test(raw) || raw.length > MAX_ID_CHARS) return undefined;
  const bytes = Buffer.from(raw.replaceAll('.', '_'), 'base64url');
  if (bytes.length < 11) return undefined;
  const t = new Date(bytes.readUIntBE(1, 6));
  const metric = bytes.readUInt32BE(7);
  // The metric column is a PostgreSQL int: a larger code names no reading.
  if (metric > 0x7fffffff) return undefined;
  const kind = bytes.readUInt8(0);
  if (kind === HASHED) return bytes.length === 23 ? { kind: 'hashed', t, metric } : undefined;
  if (kind !== FULL) return undefined;
  const ids = readIds(bytes);
  if (ids === undefined) return undefined;
  const [patientId, gatewayId, deviceId] = ids;
  return { kind: 'full', key: { t, metric, patientId, gatewayId, deviceId } };
}

/** The key of an id; FhirInvalidIdError (400) for anything encodeObservationId never writes. */
export function decodeObservationId(raw: string): DecodedObservationId {
  const d = decoded(raw);
  // Canonical only: base64 has spare bits and UTF-8 has invalid sequences; an id that
  // does not encode back to itself would name a reading under a second id.
  const canonical = d === undefined ? undefined : d.kind === 'full' ? encodeObservationId(d.key) : toId(Buffer.from(raw.replaceAll('.', '_'), 'base64url'));
  if (d === undefined || canonical !== raw) throw new FhirInvalidIdError(raw);
  return d;
}
