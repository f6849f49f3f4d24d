/**
 * What a reading's `metric` may be: a catalog metric (its short id, `HR`), or an
 * UNCATALOGUED term kept under its ISO/IEEE 11073-10101 numeric code written in decimal
 * (`"188736"`). Monitors send far more terms than Wardlink has alarm rules for (ST
 * segments, cardiac output, airway pressures...). Those values are patient data too: they
 * are stored, uploaded and readable in the cloud, they just raise no alarm.
 *
 * One invariant keeps the two kinds apart: a code that belongs to a catalog metric (its
 * own code or a term of its family, see `families.ts`) is always written as that
 * metric's id, never as digits. `metricKeyForCode` is the one place that decides.
 */
import { isMetricId } from './lookup.js';
import { METRICS, type MetricId } from './metrics.js';

/** An uncatalogued term: its 32-bit MDC code (partition << 16 | term code) in decimal. */
export type MdcCodeKey = `${number}`;
export type MetricKey = MetricId | MdcCodeKey;

/** The largest MDC code: partition and term are 16 bits each. */
export const MAX_MDC_CODE = 0xffff_ffff;
/** The smallest: partitions start at 1 (OBJ). A bare number below 65536 has no partition:
 * it is a vendor's own id (Mindray's legacy `101^HR`, Nihon Kohden's `007000`), not MDC. */
export const MIN_MDC_CODE = 0x1_0000;

const DIGITS = /^[1-9]\d{4,9}$/;

/** True for a well-formed MDC code (partition 1..65535, any term). */
export function isMdcCode(code: number): boolean {
  return Number.isInteger(code) && code >= MIN_MDC_CODE && code <= MAX_MDC_CODE;
}

/** True for the decimal key of an MDC code ("188736"); says nothing about the catalog. */
export function isMdcCodeKey(key: string): key is MdcCodeKey {
  return DIGITS.test(key) && isMdcCode(Number(key));
}

/** True for a catalog metric id or a well-formed uncatalogued code key. */
export function isMetricKey(key: unknown): key is MetricKey {
  return typeof key === 'string' && (isMetricId(key) || isMdcCodeKey(key));
}

/** The MDC code stored for a metric key (the catalog metric's own code for a catalog id). */
export function mdcCodeOfKey(key: MetricKey): number {
  return isMetricId(key) ? METRICS[key].mdcCode : Number(key);
}

/** True when the key names a catalog metric (rules and alarms apply to it). */
export function isCatalogKey(key: MetricKey): key is MetricId {
  return isMetricId(key);
}
