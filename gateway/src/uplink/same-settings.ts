/**
 * Whether two uplink settings would behave the same, for SIGHUP: a new URL, token,
 * limit, timeout, or a rotated TLS file (compared by content, so a renewed certificate
 * at the same path counts) means the uplink is rebuilt.
 */
import type { UplinkSettings } from './options.js';

function sameValue(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) || Buffer.isBuffer(b)) return Buffer.isBuffer(a) && Buffer.isBuffer(b) && a.equals(b);
  return a === b;
}

export function sameUplinkSettings(a: UplinkSettings | null, b: UplinkSettings | null): boolean {
  if (a === null || b === null) return a === b;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    if (key === 'tls') continue;
    if (!sameValue(a[key as keyof UplinkSettings], b[key as keyof UplinkSettings])) return false;
  }
  const ta = a.tls ?? {};
  const tb = b.tls ?? {};
  return sameValue(ta.ca, tb.ca) && sameValue(ta.cert, tb.cert) && sameValue(ta.key, tb.key);
}
