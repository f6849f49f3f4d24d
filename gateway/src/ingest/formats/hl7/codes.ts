/**
 * Resolves an OBX-3 observation identifier (`code^name^coding system`) to a catalog metric.
 * Order: the device's vendor map (code, then name), Wardlink's HL7 aliases, then the MDC
 * numeric code, then the name as an MDC reference id or a Wardlink short id.
 *
 * A code from a vendor-private coding system (OBX-3.3 not MDC) is never looked up as an
 * MDC number, because private numbers may collide with MDC ones. Philips MDIL codes
 * (`0002-4bb8`, partition-code in hex) are the same nomenclature and are converted.
 */
import { isMetricId, metricById, resolveMetric, type MetricDefinition, type VendorCodeMap } from '@wardlink/shared';

/**
 * Codes that mean a catalog metric but are not its catalog code. MDC_AWAY_CO2_ET
 * (2::20656 = 151728, ISO/IEEE 11073-10101:2004 B.3) is end-tidal CO2 as a partial
 * pressure; the catalog keys EtCO2 on MDC_CONC_AWAY_CO2_ET (151708), which most monitors
 * send. Both are EtCO2 in mmHg.
 */
export const HL7_DEFAULT_ALIASES: VendorCodeMap = { '151728': 'ETCO2', MDC_AWAY_CO2_ET: 'ETCO2' };

const MDIL = /^([0-9A-Fa-f]{4})-([0-9A-Fa-f]{4})$/;

/** "0002-4bb8" (MDIL: partition-code in hex) → "150456"; other text unchanged. */
export function normalizeMdcCode(code: string): string {
  const m = MDIL.exec(code);
  if (!m) return code;
  return String(parseInt(m[1] ?? '0', 16) * 65536 + parseInt(m[2] ?? '0', 16));
}

function lookup(map: VendorCodeMap | undefined, key: string): MetricDefinition | undefined {
  if (map === undefined || key === '' || !Object.hasOwn(map, key)) return undefined;
  const id = map[key];
  return id !== undefined && isMetricId(id) ? metricById(id) : undefined;
}

export interface ObservationIdentifier {
  code: string;
  name: string;
  codingSystem: string;
}

export function resolveObservation(id: ObservationIdentifier, vendorMap?: VendorCodeMap): MetricDefinition | undefined {
  for (const map of [vendorMap, HL7_DEFAULT_ALIASES]) {
    const hit = lookup(map, id.code) ?? lookup(map, id.name);
    if (hit) return hit;
  }
  const system = id.codingSystem.toUpperCase();
  const isMdc = system === '' || system === 'MDC' || system === 'MDIL';
  const code = isMdc ? normalizeMdcCode(id.code) : undefined;
  const viaAlias = code === undefined ? undefined : lookup(HL7_DEFAULT_ALIASES, code);
  return viaAlias ?? resolveMetric({ code, name: id.name });
}
