/**
 * Unit checking for values that arrive with a unit (HL7 OBX-6). A value in the catalog
 * unit (by MDC code, MDC reference id, UCUM or a common spelling) passes; the two
 * conversions monitors are commonly set to are done (degF -> Cel, kPa -> mmHg); anything
 * else is refused with WL_INGEST_UNIT_MISMATCH, because a number in an unknown unit is a
 * wrong number.
 *
 * MDC dimension codes (partition 4, ISO/IEEE 11073-10101:2004 Annex A): BEAT_PER_MIN
 * 2720, RESP_PER_MIN 2784, PERCENT 544, MMHG 3872, KILO_PASCAL 3843, DEGC 6048, FAHR 4416.
 */
import type { MetricDefinition } from '@wardlink/shared';

type Dimension = 'per-min' | 'percent' | 'mmHg' | 'kPa' | 'degC' | 'degF';

const MDC_DIM = 4 * 65536;
const BY_TOKEN = new Map<string, Dimension>();
function define(dim: Dimension, termCode: number, refId: string, ...spellings: string[]): void {
  BY_TOKEN.set(String(MDC_DIM + termCode), dim);
  BY_TOKEN.set(refId.toLowerCase(), dim);
  for (const s of spellings) BY_TOKEN.set(s.toLowerCase(), dim);
}
define('per-min', 2720, 'MDC_DIM_BEAT_PER_MIN', '/min', '1/min', 'bpm', '{beats}/min', '{beat}/min', 'beats/min');
define('per-min', 2784, 'MDC_DIM_RESP_PER_MIN', 'rpm', 'brpm', '{breaths}/min', '{breath}/min', '{resp}/min', 'breaths/min');
define('percent', 544, 'MDC_DIM_PERCENT', '%');
define('mmHg', 3872, 'MDC_DIM_MMHG', 'mm[Hg]', 'mmHg');
define('kPa', 3843, 'MDC_DIM_KILO_PASCAL', 'kPa');
define('degC', 6048, 'MDC_DIM_DEGC', 'Cel', 'degC', '°C', 'C');
define('degF', 4416, 'MDC_DIM_FAHR', '[degF]', 'degF', '°F', 'F');

const CATALOG_DIMENSION: Readonly<Record<string, Dimension>> = {
  MDC_DIM_BEAT_PER_MIN: 'per-min',
  MDC_DIM_RESP_PER_MIN: 'per-min',
  MDC_DIM_PERCENT: 'percent',
  MDC_DIM_MMHG: 'mmHg',
  MDC_DIM_DEGC: 'degC',
};

const KPA_TO_MMHG = 760 / 101.325;
const CONVERSIONS: Partial<Record<`${Dimension}->${Dimension}`, (v: number) => number>> = {
  'degF->degC': (v) => ((v - 32) * 5) / 9,
  'kPa->mmHg': (v) => v * KPA_TO_MMHG,
};

export type UnitCheck = { ok: true; convert: (value: number) => number } | { ok: false; expected: string };

const identity = (v: number): number => v;

/** The dimension a unit identifier stands for, or undefined when Wardlink does not know it. */
export function unitDimension(token: string): Dimension | undefined {
  return BY_TOKEN.get(token.trim().toLowerCase());
}

/**
 * Checks the unit identifiers a device sent (e.g. OBX-6 code and text) against the
 * metric's catalog unit. No identifier at all means "the catalog unit". The first
 * identifier Wardlink recognises decides.
 */
export function checkUnit(metric: MetricDefinition, identifiers: readonly string[]): UnitCheck {
  const present = identifiers.map((s) => s.trim()).filter((s) => s !== '');
  if (present.length === 0) return { ok: true, convert: identity };
  const own = [String(metric.unitMdcCode), metric.unitMdcRefId.toLowerCase(), metric.ucum.toLowerCase()];
  if (present.some((id) => own.includes(id.toLowerCase()))) return { ok: true, convert: identity };
  const expected = CATALOG_DIMENSION[metric.unitMdcRefId];
  if (expected === undefined) return { ok: false, expected: metric.ucum };
  for (const id of present) {
    const dim = unitDimension(id);
    if (dim === undefined) continue;
    if (dim === expected) return { ok: true, convert: identity };
    const convert = CONVERSIONS[`${dim}->${expected}`];
    return convert ? { ok: true, convert } : { ok: false, expected: metric.ucum };
  }
  return { ok: false, expected: metric.ucum };
}
