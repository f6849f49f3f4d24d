/**
 * From an observation identifier as a device sent it (HL7 OBX-3 code^name^system, an
 * MQTT key, an ASCII label) to what Wardlink keeps it as: a catalog metric (through its
 * term family), an uncatalogued MDC term under its own code, or nothing known.
 */
import { familyTermOfCode, familyTermOfRefId } from './families.js';
import { isMetricId, metricById } from './lookup.js';
import { isMdcCode } from './metric-key.js';
import type { MetricDefinition } from './metrics.js';
import { knownTermOfRefId } from './terms.js';

/**
 * A device's map from its private observation codes (OBX-3 code or name, ASCII label,
 * MQTT key) to a catalog metric id (`"SPO2"`), an MDC code (`"150047"`) or an MDC
 * reference id (`"MDC_PRESS_BLD_ART_PULM_MEAN"`). Example: `{ "196674": "SPO2", "PAPm": "150047" }`.
 */
export type VendorCodeMap = Readonly<Record<string, string>>;

export type ResolvedTerm =
  /** A catalog metric; `code` is the MDC term it came as (a family member), `rank` its
   * place in the family (0 = the metric's own term, or named by id or vendor map). */
  | { kind: 'catalog'; metric: MetricDefinition; code: number; rank: number }
  /** Any other valid MDC term: kept under its code, no alarm rules. */
  | { kind: 'uncatalogued'; code: number };

export interface ObservationIdentifier {
  code?: string | undefined;
  name?: string | undefined;
  /** HL7 OBX-3.3. Empty, MDC or MDIL mean the ISO/IEEE 11073 nomenclature; anything else
   * (99MNDRY, 99COMEN, EHC, LN...) is a system whose numbers are not MDC codes. */
  codingSystem?: string | undefined;
}

/** Philips MDIL writes an MDC code as "0002-4bb8" (partition-term in hex). */
const MDIL = /^([0-9A-Fa-f]{4})-([0-9A-Fa-f]{4})$/;
const DECIMAL = /^[1-9]\d{4,9}$/;

/** The MDC code of "150456" or MDIL "0002-4bb8", or undefined for anything else. */
export function parseMdcCode(text: string): number | undefined {
  const mdil = MDIL.exec(text);
  const code = mdil ? parseInt(mdil[1]!, 16) * 65536 + parseInt(mdil[2]!, 16) : DECIMAL.test(text) ? Number(text) : undefined;
  return code !== undefined && isMdcCode(code) ? code : undefined;
}

/** True when OBX-3.3 names the ISO/IEEE 11073 nomenclature (or nothing). */
export function isMdcCodingSystem(system: string | undefined): boolean {
  const s = (system ?? '').trim().toUpperCase();
  return s === '' || s === 'MDC' || s === 'MDIL' || s === 'IEEE11073' || s === 'ISO11073';
}

/** A code as a term: a catalog metric through its family, or an uncatalogued code. */
export function termOfCode(code: number): ResolvedTerm {
  const family = familyTermOfCode(code);
  return family ? { kind: 'catalog', metric: metricById(family.metric), code, rank: family.rank } : { kind: 'uncatalogued', code };
}

/** A name as a term: an MDC reference id Wardlink knows, or a Wardlink short id. */
export function termOfName(name: string): ResolvedTerm | undefined {
  const family = familyTermOfRefId(name);
  if (family) return { kind: 'catalog', metric: metricById(family.metric), code: family.code, rank: family.rank };
  const known = knownTermOfRefId(name);
  if (known) return { kind: 'uncatalogued', code: known.code };
  // A Wardlink short id, as people write it ("SpO2", "Temp").
  const id = name.trim().toUpperCase();
  if (isMetricId(id)) {
    const metric = metricById(id);
    return { kind: 'catalog', metric, code: metric.mdcCode, rank: 0 };
  }
  return undefined;
}

/** What a vendor map entry names: a metric id, an MDC code or a reference id. */
function termOfTarget(target: string): ResolvedTerm | undefined {
  if (isMetricId(target)) {
    const metric = metricById(target);
    return { kind: 'catalog', metric, code: metric.mdcCode, rank: 0 };
  }
  const code = parseMdcCode(target);
  return code !== undefined ? termOfCode(code) : termOfName(target);
}

function mapped(map: VendorCodeMap, key: string | undefined): ResolvedTerm | undefined {
  if (key === undefined || key === '' || !Object.hasOwn(map, key)) return undefined;
  const target = map[key];
  return typeof target === 'string' ? termOfTarget(target) : undefined;
}

/**
 * Resolves an identifier: the device's vendor map first (code, then name), then the MDC
 * code when the coding system is MDC's, then the name as an MDC reference id or a
 * Wardlink short id. The code wins over the name when both resolve: vendors pair codes
 * with the wrong mnemonic (149522^MDC_PULS_RATE), never the other way round.
 * Undefined: nothing Wardlink can key the value by (a private code no map names).
 */
export function resolveTerm(id: ObservationIdentifier, vendorMap: VendorCodeMap = {}): ResolvedTerm | undefined {
  const hit = mapped(vendorMap, id.code) ?? mapped(vendorMap, id.name);
  if (hit) return hit;
  if (id.code !== undefined && id.code !== '' && isMdcCodingSystem(id.codingSystem)) {
    const code = parseMdcCode(id.code);
    if (code !== undefined) return termOfCode(code);
  }
  return id.name === undefined || id.name === '' ? undefined : termOfName(id.name);
}

/** True when a vendor map target names something Wardlink can key a value by. */
export function isValidVendorTarget(target: string): boolean {
  return termOfTarget(target) !== undefined;
}
