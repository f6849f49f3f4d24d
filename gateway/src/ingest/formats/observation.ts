/**
 * The value rules every format shares: what counts as "no value", what is a number, and
 * when a number is stored flagged INVALID. Keeping them here means HL7, ASCII and MQTT
 * flag the same input the same way.
 */
import { isPossible, QualityFlag, quantize, type MetricDefinition } from '@wardlink/shared';
import type { FormatContext, ParsedObservation } from './format.js';

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
  metric: MetricDefinition;
  /** The number exactly as the device sent it. */
  raw: number;
  /** The number in the catalog unit (differs from `raw` only after a unit conversion). */
  value?: number;
  flags?: number;
  deviceTimeMs: number | null;
  rawCode: string;
  unit?: string;
}

/**
 * Applies the flagging rules: an invalid marker or a value outside the catalog's possible
 * range is kept with its raw number and flagged INVALID; anything else is quantized to
 * the metric's resolution.
 */
export function toObservation(input: ObservationInput, ctx: FormatContext): ParsedObservation {
  const markers = ctx.invalidMarkers ?? DEFAULT_INVALID_MARKERS;
  const inCatalogUnit = input.value ?? input.raw;
  let flags = input.flags ?? 0;
  let value: number;
  if (markers.includes(input.raw) || !isPossible(input.metric, inCatalogUnit)) {
    flags |= QualityFlag.INVALID;
    value = input.raw;
  } else {
    value = quantize(input.metric, inCatalogUnit);
  }
  const obs: ParsedObservation = { metric: input.metric.id, value, flags, deviceTimeMs: input.deviceTimeMs, rawCode: input.rawCode };
  if (input.unit !== undefined && input.unit !== '') obs.unit = input.unit;
  return obs;
}
