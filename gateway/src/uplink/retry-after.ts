/**
 * Retry-After (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date. Returns the wait
 * in ms from `nowMs`, or null when the header is absent or unreadable (the caller then
 * falls back to its own backoff). A date in the past means "now" (0).
 */

/** Longest wait we honour: a bogus header must not park the uplink for days. */
export const MAX_RETRY_AFTER_MS = 30 * 60_000;

export function parseRetryAfter(header: string | string[] | undefined, nowMs: number): number | null {
  const value = (Array.isArray(header) ? header[0] : header)?.trim();
  if (value === undefined || value === '') return null;
  if (/^\d+$/.test(value)) return Math.min(MAX_RETRY_AFTER_MS, Number(value) * 1000);
  // IMF-fixdate and the two obsolete forms all parse with Date.parse; a bare number with
  // a sign or a fraction is not valid delay-seconds, and is not a date either.
  if (!/[a-z]/i.test(value)) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - nowMs));
}
