/**
 * Exponential backoff with full jitter ("Exponential Backoff And Jitter", AWS
 * Architecture Blog, 2015): the n-th consecutive failure waits a uniformly random time in
 * [0, min(cap, base * 2^(n-1))]. Jitter spreads the retries of the many gateways of a
 * hospital that lost the cloud at the same moment, so they do not come back in lockstep.
 */
export function fullJitterDelayMs(failures: number, baseMs: number, capMs: number, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  // 2^(n-1) overflows to Infinity for large n; min() keeps it at the cap.
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.min(failures - 1, 60));
  return Math.floor(random() * ceiling);
}
