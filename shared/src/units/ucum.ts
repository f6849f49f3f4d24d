/**
 * UCUM (the Unified Code for Units of Measure) through the U.S. National Library of
 * Medicine's reference implementation, @lhncbc/ucum-lhc: validation of unit expressions
 * and conversion between commensurable units (°F → Cel, kPa → mm[Hg], K → Cel...).
 *
 * The library holds the whole UCUM table (about 15 MB of memory), so it is loaded on
 * first use only. Most values arrive in their metric's own unit and never need it; a
 * gateway whose monitors all send catalog units never loads it.
 */
import { createRequire } from 'node:module';

interface UcumUtils {
  validateUnitString(unit: string): { status: 'valid' | 'invalid' | 'error'; ucumCode: string | null };
  convertUnitTo(from: string, value: number, to: string): { status: 'succeeded' | 'failed' | 'error'; toVal: number | null; msg: string[] };
}

let utils: UcumUtils | undefined;

function ucum(): UcumUtils {
  if (utils === undefined) {
    const require = createRequire(import.meta.url);
    const pkg = require('@lhncbc/ucum-lhc') as { UcumLhcUtils: { getInstance(): UcumUtils } };
    utils = pkg.UcumLhcUtils.getInstance();
  }
  return utils;
}

const validity = new Map<string, string | null>();

/**
 * What may be handed to the library at all. A UCUM expression is short printable ASCII;
 * the library looks atoms up in plain objects, so "__proto__" or "constructor" in a
 * device's unit field reaches Object.prototype and makes it log an error line for every
 * message (found by `pnpm bench fuzz`): such strings are no UCUM, refused before it.
 */
function plausibleUcum(expression: string): boolean {
  return expression.length <= 64 && /^[\x21-\x7e]+$/.test(expression) && !/__proto__|constructor|prototype/i.test(expression);
}

/** The UCUM code of a valid UCUM expression (case as UCUM spells it), or null. Cached. */
export function ucumCodeOf(expression: string): string | null {
  if (!plausibleUcum(expression)) return null;
  let known = validity.get(expression);
  if (known === undefined) {
    const r = ucum().validateUnitString(expression);
    known = r.status === 'valid' ? (r.ucumCode ?? expression) : null;
    if (validity.size > 10_000) validity.clear(); // a flood of garbage units must not grow memory
    validity.set(expression, known);
  }
  return known;
}

const commensurable = new Map<string, boolean>();

/**
 * `value` in `from` expressed in `to`, or null when the units are not commensurable (or
 * either is no UCUM). Same units convert to themselves without loading the library.
 */
export function convertUcum(value: number, from: string, to: string): number | null {
  if (from === to) return value;
  if (!plausibleUcum(from) || !plausibleUcum(to)) return null;
  const key = `${from}\u0000${to}`;
  if (commensurable.get(key) === false) return null;
  const r = ucum().convertUnitTo(from, value, to);
  const ok = r.status === 'succeeded' && typeof r.toVal === 'number' && Number.isFinite(r.toVal);
  if (commensurable.size > 10_000) commensurable.clear();
  commensurable.set(key, ok);
  return ok ? (r.toVal as number) : null;
}
