/**
 * The value rules every format shares: what counts as "no value", what is a number, when
 * a number is stored flagged INVALID, and how a resolved term becomes an observation.
 * Keeping them here means HL7, ASCII and MQTT treat the same input the same way.
 */
import { isPossible, QualityFlag, type MdcCodeKey, type ResolvedTerm } from '@wardlink/shared';
import type { FormatContext, FormatReject, ParsedObservation } from './format.js';
import { quantizePossible } from './quantizer.js';
import { checkUnit, ucumFor } from './units.js';

/**
 * Numbers devices send to mean "no valid value": the common vendor markers, and the
 * ISO/IEEE 11073-20601 FLOAT special values (NaN 0x7FFFFF, NRes 0x800000, +/-INFINITY)
 * when a device forwards them as plain integers.
 */
export const DEFAULT_INVALID_MARKERS: readonly number[] = [-999, -9999, -100, 8388607, 8388608, -8388608, 8388606, -8388606];

// Dashes as monitors print an empty numeric (--, ---, --.-, ---%), or a lone "?" as the
// Philips serial export does: the metric is absent, which is not an error.
const ABSENT = /^(?:-{2,}(?:\.-+)?%?|\?)$/;
// Plain decimal as HL7 NM allows it: sign, digits, one point; no exponent, no spaces.
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/** True for an empty value or a dash placeholder: skip the metric, raise no reject. */
export function isAbsentValue(raw: string): boolean {
  const t = raw.trim();
  return t === '' || ABSENT.test(t);
}

/** Parses a device decimal ("097", "03.10", "-999", "98%"); null when it is not one. */
export function parseDecimal(raw: string, allowPercentSuffix = false): number | null {
  let t = raw.trim();
  if (allowPercentSuffix && t.endsWith('%')) t = t.slice(0, -1);
  if (!DECIMAL.test(t)) return null;
  const n = Number(t);
  return Number.isFinite(n) ? n : null;
}

export interface ObservationInput {
  term: ResolvedTerm;
  /** The number exactly as the device sent it. */
  raw: number;
  /** The unit identifiers the device sent with it (OBX-6 code and text); empty: none. */
  units?: readonly string[];
  flags?: number;
  deviceTimeMs: number | null;
  rawCode: string;
}

/**
 * Applies the rules. A catalog metric: an invalid marker, or a value outside the catalog's
 * possible range, is kept with its raw number and flagged INVALID (no conversion); a unit
 * Wardlink cannot convert to the catalog's is a WL_INGEST_UNIT_MISMATCH reject; anything
 * else is converted and quantized to the metric's resolution. An uncatalogued term: the
 * value is kept exactly as sent with its unit, flagged INVALID when it is a marker.
 */
export function buildObservation(input: ObservationInput, ctx: FormatContext): ParsedObservation | FormatReject {
  return observationOf(input.term, input.raw, input.units ?? NO_UNITS, input.flags ?? 0, input.deviceTimeMs, input.rawCode, ctx);
}

const NO_UNITS: readonly string[] = [];

/**
 * `buildObservation` with its input as arguments, for a format's per-value loop (the MQTT
 * path, issue 18): no input object per value.
 */
export function observationOf(
  term: ResolvedTerm,
  raw: number,
  units: readonly string[],
  flags: number,
  deviceTimeMs: number | null,
  rawCode: string,
  ctx: FormatContext,
): ParsedObservation | FormatReject {
  const markers = ctx.invalidMarkers ?? DEFAULT_INVALID_MARKERS;
  const marker = markers.includes(raw);
  if (term.kind === 'uncatalogued') {
    if (marker) flags |= QualityFlag.INVALID;
    return { metric: String(term.code) as MdcCodeKey, value: raw, flags, deviceTimeMs, rawCode, term: term.code, rank: 0, unit: ucumFor(units) };
  }
  const metric = term.metric;
  let value: number;
  if (marker) {
    flags |= QualityFlag.INVALID;
    value = raw;
  } else {
    const check = checkUnit(metric, units);
    if (!check.ok) {
      const sent = units.find((u) => u.trim() !== '') ?? '';
      return { code: 'WL_INGEST_UNIT_MISMATCH', message: `${metric.id} in unit "${sent.slice(0, 40)}", expected ${check.expected}`, rawCode };
    }
    const converted = check.convert(raw);
    if (isPossible(metric, converted)) value = quantizePossible(metric, converted);
    else {
      flags |= QualityFlag.INVALID;
      value = raw;
    }
  }
  return { metric: metric.id, value, flags, deviceTimeMs, rawCode, term: term.code, rank: term.rank };
}

/** True when `buildObservation` refused the value. */
export function isReject(x: ParsedObservation | FormatReject): x is FormatReject {
  return 'code' in x;
}
