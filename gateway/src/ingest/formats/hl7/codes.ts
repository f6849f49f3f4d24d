/**
 * Resolves an OBX-3 observation identifier (`code^name^coding system`) to the term a value
 * is kept as (shared/src/catalog/vendor-map.ts): the device's vendor map (code, then
 * name), then the MDC code when OBX-3.3 is the 11073 nomenclature (MDC, MDIL or empty),
 * then the name as an MDC reference id or a Wardlink short id.
 *
 * A code from a vendor-private coding system (OBX-3.3 `99MNDRY`, `99COMEN`, `EHC`...) is
 * never read as an MDC number, because private numbers collide with MDC ones. Philips MDIL
 * codes (`0002-4bb8`, partition-term in hex) are the same nomenclature and are converted.
 */
import { parseMdcCode, resolveTerm, type ObservationIdentifier, type ResolvedTerm, type VendorCodeMap } from '@wardlink/shared';

export type { ObservationIdentifier };

/** "0002-4bb8" (MDIL: partition-code in hex) → "150456"; other text unchanged. */
export function normalizeMdcCode(code: string): string {
  const parsed = /^[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}$/.test(code) ? parseMdcCode(code) : undefined;
  return parsed === undefined ? code : String(parsed);
}

export function resolveObservation(id: ObservationIdentifier, vendorMap?: VendorCodeMap): ResolvedTerm | undefined {
  return resolveTerm(id, vendorMap);
}
