/**
 * The MQTT JSON payload a device publishes on its own topic:
 *
 *   { "ts": 1795939200000 | "2026-11-29T08:00:01.250+01:00",
 *     "readings": { "HR": 72, "150456": 97, "VENDOR_SAT": 96, "150047": 18 },
 *     "units": { "150047": "mm[Hg]", "TEMP": "[degF]" },  // optional: UCUM or MDC units
 *     "flags": { "SPO2": ["sensor-off"] },   // optional: "sensor-off" | "invalid" | "demo"
 *     "demo": true }                          // optional: every reading is demo data
 *
 * Keys are catalog short ids, MDC numeric codes (any 11073 term: those outside the catalog
 * are kept as uncatalogued terms), MDC reference ids, or the device's vendor codes. A
 * catalog metric is in its catalog unit unless `units` says otherwise (then converted with
 * UCUM). Validation is strict: anything but this shape is a `BadPayloadError`; a reading
 * that is not a finite number is a per-reading WL_INGEST_NOT_NUMERIC reject; a key that
 * names no term is counted as WL_INGEST_UNKNOWN_METRIC. The size is checked before
 * decoding. Only typed ingest errors are ever thrown.
 */
import { BadPayloadError, BadTimestampError, PayloadTooLargeError, QualityFlag, resolveTerm, type ResolvedTerm, type VendorCodeMap } from '@wardlink/shared';
import { settleFamilies } from './families.js';
import { emptyRecord, type FormatContext, type ParsedRecord } from './format.js';
import { isReject, observationOf } from './observation.js';
import type { PayloadFormatEntry } from './payload-entry.js';

/** A message of 20 readings is about 400 bytes; 16 KiB leaves room and stops floods. */
export const DEFAULT_MAX_MQTT_PAYLOAD_BYTES = 16 * 1024;
export const DEFAULT_MAX_READINGS = 64;

export interface MqttParseOptions {
  maxBytes?: number;
  maxReadings?: number;
}

const TOP_LEVEL = new Set(['ts', 'readings', 'units', 'flags', 'demo']);
const FLAG_BITS: Readonly<Record<string, number>> = { 'sensor-off': QualityFlag.SENSOR_OFF, invalid: QualityFlag.INVALID, demo: QualityFlag.DEMO };
const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))?$/;
// Epoch ms before 2000 or after 2200 is a unit mistake (seconds, microseconds), not a time.
const MIN_EPOCH_MS = Date.UTC(2000, 0, 1);
const MAX_EPOCH_MS = Date.UTC(2200, 0, 1);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseIso(text: string, utcOffsetMinutes: number): number {
  const m = ISO.exec(text);
  if (!m) throw new BadTimestampError(text.slice(0, 40), { expected: 'ISO-8601 like 2026-11-29T08:00:01.250+01:00' });
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(ms);
  if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) throw new BadTimestampError(text, { reason: 'not a calendar date and time' });
  let offset = utcOffsetMinutes;
  if (m[8] === 'Z') offset = 0;
  else if (m[9] !== undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 14 || om > 59) throw new BadTimestampError(text, { reason: 'UTC offset out of range' });
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  return ms + Math.round(Number(`0.${m[7] ?? '0'}`) * 1000) - offset * 60_000;
}

function parseTs(ts: unknown, ctx: FormatContext): number {
  if (typeof ts === 'string') return parseIso(ts, ctx.utcOffsetMinutes ?? 0);
  if (typeof ts === 'number' && Number.isInteger(ts) && ts >= MIN_EPOCH_MS && ts <= MAX_EPOCH_MS) return ts;
  throw new BadTimestampError(String(ts).slice(0, 40), { expected: 'epoch milliseconds (integer) or an ISO-8601 string' });
}

/** Keys resolved without a vendor map, shared by every device (bounded: keys are input). */
const plainKeys = new Map<string, ResolvedTerm | null>();

function resolveKey(key: string, vendorMap: VendorCodeMap | undefined): ResolvedTerm | undefined {
  if (vendorMap !== undefined && Object.hasOwn(vendorMap, key)) return resolveTerm({ code: key }, vendorMap);
  let term = plainKeys.get(key);
  if (term === undefined) {
    term = resolveTerm({ code: key, name: key }) ?? null;
    if (plainKeys.size >= 4096) plainKeys.clear();
    plainKeys.set(key, term);
  }
  return term ?? undefined;
}

/** Most payloads carry no units: they share this one, never written to. */
const NO_UNITS: ReadonlyMap<string, string> = new Map();

function readUnits(raw: unknown, readings: Record<string, unknown>): ReadonlyMap<string, string> {
  if (raw === undefined) return NO_UNITS;
  if (!isPlainObject(raw)) throw new BadPayloadError('"units" must be an object of reading key → unit (UCUM or MDC)');
  const out = new Map<string, string>();
  for (const [key, unit] of Object.entries(raw)) {
    if (!Object.hasOwn(readings, key)) throw new BadPayloadError(`"units" names "${key.slice(0, 40)}", which is not in "readings"`);
    if (typeof unit !== 'string' || unit.length > 64) throw new BadPayloadError(`"units.${key.slice(0, 40)}" must be a unit of at most 64 characters`);
    out.set(key, unit);
  }
  return out;
}

const NO_UNIT_LIST: readonly string[] = [];

/** Most payloads carry no flags: they share this one, never written to. */
const NO_FLAGS: ReadonlyMap<string, number> = new Map();

function readFlags(raw: unknown, readings: Record<string, unknown>): ReadonlyMap<string, number> {
  if (raw === undefined) return NO_FLAGS;
  const out = new Map<string, number>();
  if (!isPlainObject(raw)) throw new BadPayloadError('"flags" must be an object of reading key → list of flags');
  for (const [key, list] of Object.entries(raw)) {
    if (!Object.hasOwn(readings, key)) throw new BadPayloadError(`"flags" names "${key.slice(0, 40)}", which is not in "readings"`);
    if (!Array.isArray(list) || list.length > 3 || !list.every((f) => typeof f === 'string' && Object.hasOwn(FLAG_BITS, f))) {
      throw new BadPayloadError(`"flags.${key.slice(0, 40)}" must be a list of "sensor-off", "invalid", "demo"`);
    }
    out.set(key, list.reduce((bits: number, f: string) => bits | (FLAG_BITS[f] ?? 0), 0));
  }
  return out;
}

/** One decoder for every message (without `stream` it keeps no state between calls). */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function decode(payload: Buffer | Uint8Array | string, maxBytes: number): unknown {
  const size = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
  if (size > maxBytes) throw new PayloadTooLargeError(size, maxBytes);
  let text: string;
  try {
    text = typeof payload === 'string' ? payload : UTF8.decode(payload);
  } catch {
    throw new BadPayloadError('the payload is not UTF-8 text', { bytes: size });
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new BadPayloadError('the payload is not JSON', { bytes: size });
  }
}

export function parseMqttJson(payload: Buffer | Uint8Array | string, ctx: FormatContext, options: MqttParseOptions = {}): ParsedRecord {
  const doc = decode(payload, options.maxBytes ?? DEFAULT_MAX_MQTT_PAYLOAD_BYTES);
  if (!isPlainObject(doc)) throw new BadPayloadError('the payload must be a JSON object');
  for (const k in doc) if (!TOP_LEVEL.has(k)) throw new BadPayloadError(`unknown field "${k.slice(0, 40)}"`);
  if (!Object.hasOwn(doc, 'ts')) throw new BadPayloadError('missing "ts"');
  const readings = doc.readings;
  if (!isPlainObject(readings)) throw new BadPayloadError('"readings" must be an object of key → number');
  const keys = Object.keys(readings);
  const maxReadings = options.maxReadings ?? DEFAULT_MAX_READINGS;
  if (keys.length === 0 || keys.length > maxReadings) throw new BadPayloadError(`"readings" must hold 1 to ${maxReadings} values, not ${keys.length}`);
  if (doc.demo !== undefined && typeof doc.demo !== 'boolean') throw new BadPayloadError('"demo" must be true or false');
  const flagsByKey = readFlags(doc.flags, readings);
  const unitsByKey = readUnits(doc.units, readings);
  const record = emptyRecord(parseTs(doc.ts, ctx));
  const demo = doc.demo === true ? QualityFlag.DEMO : 0;
  record.recordFlags = demo;
  if (demo) record.statusWords.push('demo');
  for (const key of keys) {
    const value = readings[key];
    const flags = demo | (flagsByKey.get(key) ?? 0);
    record.recordFlags |= flags & (QualityFlag.SENSOR_OFF | QualityFlag.DEMO);
    const term = resolveKey(key, ctx.vendorMap);
    if (!term) {
      record.unknownCodes.push(key.slice(0, 64));
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      record.rejects.push({ code: 'WL_INGEST_NOT_NUMERIC', message: `reading "${key.slice(0, 40)}" is ${typeof value === 'number' ? 'not finite' : `a ${value === null ? 'null' : typeof value}`}, not a number`, rawCode: key.slice(0, 64) });
      continue;
    }
    const unit = unitsByKey.get(key);
    const obs = observationOf(term, value, unit === undefined ? NO_UNIT_LIST : [unit], flags, record.deviceTimeMs, key, ctx);
    if (isReject(obs)) record.rejects.push(obs);
    else record.observations.push(obs);
  }
  for (const f of flagsByKey.values()) {
    if (f & QualityFlag.SENSOR_OFF) {
      record.statusWords.push('sensor-off');
      break;
    }
  }
  settleFamilies(record);
  return record;
}

/** The `mqtt-json` registry entry (registry.ts): the payload limit is `mqtt.maxPayloadBytes`. */
export const mqttJsonFormat: PayloadFormatEntry = {
  name: 'mqtt-json',
  parse: (payload, ctx, limits) => parseMqttJson(payload, ctx, { maxBytes: limits.maxBytes }),
};
