/**
 * How a stored reading is shown to readers: the metric by its catalog name, MDC code and
 * unit (the database holds only the MDC code), the time as ISO 8601 UTC, and the quality
 * flags as their names (the database holds a bit mask).
 */
import { metricByMdcCode, QualityFlag, type QualityFlagName } from '@wardlink/shared';

export interface MetricView {
  /** Wardlink's short id (HR, SPO2, ...); null for a code the catalog does not know. */
  id: string | null;
  name: string | null;
  mdcCode: number;
  mdcRefId: string | null;
  /** UCUM unit code. */
  unit: string | null;
}

const FLAG_NAMES = Object.entries(QualityFlag) as Array<[QualityFlagName, number]>;

export function metricView(mdcCode: number): MetricView {
  const m = metricByMdcCode(mdcCode);
  return m
    ? { id: m.id, name: m.displayName, mdcCode, mdcRefId: m.mdcRefId, unit: m.ucum }
    : { id: null, name: null, mdcCode, mdcRefId: null, unit: null };
}

/** The names of the flags set in `mask`, in bit order; unknown bits are kept as numbers
 * so nothing stored is hidden from a reader. */
export function flagNames(mask: number): Array<QualityFlagName | number> {
  const names: Array<QualityFlagName | number> = FLAG_NAMES.filter(([, bit]) => (mask & bit) !== 0).map(([name]) => name);
  const known = FLAG_NAMES.reduce((all, [, bit]) => all | bit, 0);
  for (let bit = 1; bit <= 0x4000; bit <<= 1) if ((mask & bit) !== 0 && (known & bit) === 0) names.push(bit);
  return names;
}
