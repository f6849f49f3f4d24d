import { isMetricId, metricById, metricByMdcCode, metricByRefId } from './lookup.js';
import type { MetricDefinition } from './metrics.js';

/**
 * A device's map from vendor-private observation codes (as they appear in OBX-3, an ASCII
 * label or an MQTT key) onto catalog metric ids. Example: `{ "196674": "SPO2", "SAT": "SPO2" }`.
 */
export type VendorCodeMap = Readonly<Record<string, string>>;

/**
 * Resolves an observation identifier to a catalog metric: the device's vendor map first
 * (so a device can override), then the MDC numeric code, then the MDC reference id, then
 * Wardlink's own short id. Returns undefined for an unknown code.
 */
export function resolveMetric(
  identifier: { code?: string | undefined; name?: string | undefined },
  vendorMap: VendorCodeMap = {},
): MetricDefinition | undefined {
  for (const key of [identifier.code, identifier.name]) {
    if (key === undefined || key === '') continue;
    const mapped = vendorMap[key];
    if (mapped !== undefined && isMetricId(mapped)) return metricById(mapped);
  }
  if (identifier.code !== undefined && /^\d+$/.test(identifier.code)) {
    const byCode = metricByMdcCode(Number(identifier.code));
    if (byCode) return byCode;
  }
  const name = identifier.name;
  if (name !== undefined && name !== '') {
    return metricByRefId(name) ?? (isMetricId(name) ? metricById(name) : undefined);
  }
  return undefined;
}
