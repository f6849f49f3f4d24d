/**
 * Units of values that arrive with one (HL7 OBX-6 code and text, the MQTT `units` map).
 * Every identifier is read as UCUM: MDC dimension codes, their reference ids and common
 * spellings through the shared table (`ucumOfToken`), anything else as a UCUM expression.
 *
 * A catalog metric's value is converted to the catalog unit with UCUM when the units are
 * commensurable (°F → Cel, K → Cel, kPa → mm[Hg], cm[H2O] → mm[Hg]); a unit that is not
 * (EtCO2 in %, a temperature in mm[Hg]) is refused with WL_INGEST_UNIT_MISMATCH, because a
 * number in a unit we cannot convert is a wrong number. One exception, from the field:
 * monitors label a percentage such as the perfusion index "dimensionless"
 * (MDC_DIM_DIMLESS); a dimensionless value for a catalog metric in % is taken as %.
 *
 * An uncatalogued term keeps its value as sent, with the unit it came in (`ucumFor`).
 */
import { convertUcum, ucumCodeOf, ucumOfToken, type MetricDefinition } from '@wardlink/shared';

export type UnitCheck = { ok: true; convert: (value: number) => number } | { ok: false; expected: string };

const identity = (v: number): number => v;
/** The verdict for a value in the catalog unit, shared. */
const CATALOG_UNIT: UnitCheck = Object.freeze({ ok: true, convert: identity });

// A UCUM expression is printable ASCII; anything else is no unit we can check.
const UCUM_SHAPE = /^[\x21-\x7e]{1,64}$/;

/** The UCUM code a unit identifier stands for, or undefined when it is none Wardlink reads. */
export function ucumOf(token: string): string | undefined {
  const t = token.trim();
  if (t === '') return undefined;
  // A bare number is an MDC unit code Wardlink does not know, never UCUM's numeric factor.
  if (/^\d+$/.test(t)) return ucumOfToken(t);
  return ucumOfToken(t) ?? (UCUM_SHAPE.test(t) ? (ucumCodeOf(t) ?? undefined) : undefined);
}

/**
 * Checks the unit identifiers a device sent against the metric's catalog unit. No
 * identifier at all means "the catalog unit". The first identifier Wardlink recognises
 * decides; identifiers given but none recognised is a mismatch.
 */
export function checkUnit(metric: MetricDefinition, identifiers: readonly string[]): UnitCheck {
  // Most values come without a unit (every MQTT reading without `units`): no arrays built.
  if (identifiers.length === 0) return CATALOG_UNIT;
  const present = identifiers.map((s) => s.trim()).filter((s) => s !== '');
  if (present.length === 0) return { ok: true, convert: identity };
  for (const id of present) {
    const ucum = ucumOf(id);
    if (ucum === undefined) continue;
    if (ucum === metric.ucum || (ucum === '1' && metric.ucum === '%')) return { ok: true, convert: identity };
    if (convertUcum(1, ucum, metric.ucum) === null) return { ok: false, expected: metric.ucum };
    const to = metric.ucum;
    return { ok: true, convert: (v) => convertUcum(v, ucum, to) ?? Number.NaN };
  }
  return { ok: false, expected: metric.ucum };
}

/**
 * The unit an uncatalogued value is stored with: the UCUM code of the first identifier
 * Wardlink recognises; else the first identifier as a UCUM annotation (`{cc/kg}`), so the
 * device's own words are kept and never mistaken for a unit; '' when none was sent.
 */
export function ucumFor(identifiers: readonly string[]): string {
  const present = identifiers.map((s) => s.trim()).filter((s) => s !== '');
  for (const id of present) {
    const ucum = ucumOf(id);
    if (ucum !== undefined) return ucum;
  }
  // The device's words, rather than a bare unit code no one can read.
  const first = present.find((p) => !/^\d+$/.test(p)) ?? present[0];
  return first === undefined ? '' : `{${first.replace(/[^\x21-\x7e]|[{}]/g, '_').slice(0, 40)}}`;
}
