/**
 * How a stored reading is shown to readers: the metric by its catalog name, MDC code and
 * unit (the database holds only the MDC code), the time as ISO 8601 UTC, and the quality
 * flags as their names (the database holds a bit mask).
 */
import { knownTermOfCode, metricByMdcCode, QualityFlag, type QualityFlagName } from '@wardlink/shared';

export interface MetricView {
  /** Wardlink's short id (HR, SPO2, ...); null for an uncatalogued term. */
  id: string | null;
  /** The catalog name, or a known term's name; null for a term Wardlink has no name for. */
  name: string | null;
  mdcCode: number;
  mdcRefId: string | null;
  /** UCUM unit code: the catalog's, or the unit registered for an uncatalogued term in the
   * hospital ('' when its values came with none); null when none is known. */
  unit: string | null;
  /** False for an uncatalogued term: kept and readable, but no alarm rule applies. */
  catalogued: boolean;
}

const FLAG_NAMES = Object.entries(QualityFlag) as Array<[QualityFlagName, number]>;

export function metricView(mdcCode: number, units?: ReadonlyMap<number, string>): MetricView {
  const m = metricByMdcCode(mdcCode);
  if (m) return { id: m.id, name: m.displayName, mdcCode, mdcRefId: m.mdcRefId, unit: m.ucum, catalogued: true };
  const known = knownTermOfCode(mdcCode);
  return { id: null, name: known?.name ?? null, mdcCode, mdcRefId: known?.refId ?? null, unit: units?.get(mdcCode) ?? null, catalogued: false };
}

/** The names of the flags set in `mask`, in bit order; unknown bits are kept as numbers
 * so nothing stored is hidden from a reader. */
export function flagNames(mask: number): Array<QualityFlagName | number> {
  const names: Array<QualityFlagName | number> = FLAG_NAMES.filter(([, bit]) => (mask & bit) !== 0).map(([name]) => name);
  const known = FLAG_NAMES.reduce((all, [, bit]) => all | bit, 0);
  for (let bit = 1; bit <= 0x4000; bit <<= 1) if ((mask & bit) !== 0 && (known & bit) === 0) names.push(bit);
  return names;
}
