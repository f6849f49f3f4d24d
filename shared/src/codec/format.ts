/**
 * Constants of the Wardlink batch wire format, versions 1 to 3. The byte layout is
 * described in README.md in this folder; change nothing here without bumping
 * `FORMAT_VERSION` and the golden tests.
 */
import { isMdcCode, type MdcCodeKey, type MetricKey } from '../catalog/metric-key.js';
import { METRIC_IDS, METRICS, type MetricId } from '../catalog/metrics.js';
import { QUALITY_FLAG_MASK, type AlarmPhase, type AlarmPriority, type AlarmSource } from '../types.js';

export const MAGIC = [0x57, 0x4c, 0x42] as const; // "WLB"
/** Version 2 adds uncatalogued series, the PATIENT_MISMATCH flag, the clocks column and
 * decimal exact numbers. Version 3 adds subset times (times-subset.ts). Version 4 adds the
 * per-gateway series dictionary (dictionary.ts): two header fields and the dictionary
 * column. Encoders write 4; decoders read 1 to 4 (gateways in the field upgrade one at a
 * time, and batches already built stay decodable). */
export const FORMAT_VERSION = 4;
export const SUPPORTED_VERSIONS: readonly number[] = [1, 2, 3, FORMAT_VERSION];

/** General-purpose compressions; the header byte after the version is the index here. */
export type CompressionName = 'none' | 'deflate' | 'brotli';
export const COMPRESSION_NAMES: readonly CompressionName[] = ['none', 'deflate', 'brotli'];

/** Every time in a batch must fall in [2000-01-01, 2100-01-01) UTC. */
export const TIME_MIN_MS = Date.UTC(2000, 0, 1);
export const TIME_MAX_MS = Date.UTC(2100, 0, 1);

/** The largest quantized value magnitude (in resolution steps) a valid reading may have. */
export const MAX_STEPS = 2 ** 48;

/** Payload columns, in the order they follow the column-length table. */
export const COLUMN = {
  strings: 0,
  streams: 1,
  series: 2,
  flags: 3,
  times: 4,
  offsets: 5,
  values: 6,
  raw: 7,
  alarms: 8,
  clocks: 9,
  dictionary: 10,
} as const;
/** Columns of a version 4 payload; versions 2 and 3 have all but `dictionary`, version 1 neither it nor `clocks`. */
export const COLUMN_COUNT = 11;
export const COLUMN_NAMES = ['strings', 'streams', 'series', 'flags', 'times', 'offsets', 'values', 'raw', 'alarms', 'clocks', 'dictionary'];

/** Columns in a payload of `version`. */
export function columnCount(version: number): number {
  return version === 1 ? 9 : version <= 3 ? 10 : COLUMN_COUNT;
}

/** Dictionary ids are positive integers below 2^52 (a safe varint); 0 means no dictionary. */
export const MAX_DICTIONARY_ID = 2 ** 52 - 1;

/** Flag bits a payload of `version` may carry (version 1 knew the first four). */
export function flagMaskOf(version: number): number {
  return version === 1 ? 0b1111 : QUALITY_FLAG_MASK;
}

/** Series mode byte. */
export const SERIES_SHARES_TIMES = 1 << 0; // times equal an earlier series of the same stream
export const SERIES_HAS_FLAGS = 1 << 1; // a run-length flags list follows in the flags column
export const SERIES_SUBSET_TIMES = 1 << 2; // version 3: times are some of an earlier series' (times-subset.ts)

/** Mode bits a payload of `version` may use. */
export function seriesModeMaskOf(version: number): number {
  return version >= 3 ? SERIES_SHARES_TIMES | SERIES_HAS_FLAGS | SERIES_SUBSET_TIMES : SERIES_SHARES_TIMES | SERIES_HAS_FLAGS;
}

/** Tags of an exact (raw) number: invalid reading values and alarm values. */
export const RAW_NULL = 0; // alarm values only
export const RAW_INTEGER = 1; // zigzag varint follows
export const RAW_FLOAT64 = 2; // 8 bytes little-endian follow
export const RAW_DECIMAL = 3; // version 2: zigzag varint mantissa, then u8 decimals (value = mantissa / 10^decimals)

export const ALARM_SOURCES: readonly AlarmSource[] = ['physiological', 'technical'];
export const PRIORITY_BY_CODE: readonly AlarmPriority[] = ['high', 'medium', 'low'];
export const PHASE_BY_CODE: readonly AlarmPhase[] = ['raised', 'updated', 'acknowledged', 'cleared', 'escalated'];

/** Per-metric codec facts, indexed by the position of the id in `METRIC_IDS`. */
export interface MetricCodec {
  id: MetricId;
  index: number;
  mdcCode: number;
  resolution: number;
  /** 10^decimals: steps / divisor is the exact decimal value as a double. */
  divisor: number;
}

/** An uncatalogued term's series: no resolution is known, so its values travel exact. */
export interface UncataloguedCodec {
  id: MdcCodeKey;
  index: -1;
  mdcCode: number;
}

export type SeriesCodec = MetricCodec | UncataloguedCodec;

export function isCatalogCodec(c: SeriesCodec): c is MetricCodec {
  return c.index >= 0;
}

export const METRIC_CODECS: readonly MetricCodec[] = METRIC_IDS.map((id, index) => {
  const m = METRICS[id];
  const decimals = Math.max(0, -Math.round(Math.log10(m.resolution)));
  return { id, index, mdcCode: m.mdcCode, resolution: m.resolution, divisor: 10 ** decimals };
});

// A prototype-less object: a property lookup on an interned string beats Map#get here.
const byId: Record<string, MetricCodec | undefined> = Object.assign(Object.create(null) as object, Object.fromEntries(METRIC_CODECS.map((m) => [m.id, m])));
const byMdc = new Map<number, MetricCodec>(METRIC_CODECS.map((m) => [m.mdcCode, m]));

export function metricCodecById(id: string): MetricCodec | undefined {
  return byId[id];
}

export function metricCodecByMdc(code: number): MetricCodec | undefined {
  return byMdc.get(code);
}

/** The codec of a reading's metric key: a catalog metric's, or an uncatalogued code's. */
export function seriesCodecByKey(key: MetricKey | string): SeriesCodec | undefined {
  const catalog = byId[key];
  if (catalog !== undefined) return catalog;
  if (!/^[1-9]\d{4,9}$/.test(key)) return undefined;
  const code = Number(key);
  // A catalog metric's own code is always carried as its id (metric-key.ts).
  if (!isMdcCode(code) || byMdc.has(code)) return undefined;
  return { id: key as MdcCodeKey, index: -1, mdcCode: code };
}

/**
 * The codec of a series' MDC code as a decoder reads it: the catalog metric whose own code
 * it is, or (version 2) an uncatalogued term.
 */
export function seriesCodecByMdc(code: number, version: number): SeriesCodec | undefined {
  const catalog = byMdc.get(code);
  if (catalog !== undefined) return catalog;
  if (version === 1 || !isMdcCode(code)) return undefined;
  return { id: String(code) as MdcCodeKey, index: -1, mdcCode: code };
}

/** True for an integer epoch-ms time inside the format's window. */
export function isTimeInRange(t: number): boolean {
  return Number.isInteger(t) && t >= TIME_MIN_MS && t < TIME_MAX_MS;
}

/** True when `s` has no lone surrogate, i.e. survives a UTF-8 round trip unchanged. */
export function isWellFormed(s: string): boolean {
  return !/\p{Cs}/u.test(s);
}
