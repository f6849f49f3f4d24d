/** The read routes' deps with the latest-vitals cache (latest-cache/): the latest and
 * dashboard routes answer from it when it can, from the database otherwise. */
import type { LatestVitalsCache } from '../../../latest-cache/latest-vitals-cache.js';
import type { ReadRouteDeps } from './deps.js';

export type CachedReadRouteDeps = ReadRouteDeps & { latestCache?: LatestVitalsCache };

/** Says how the answer was made, for clients and benches: hit, miss (loaded or
 * refreshed first) or bypass (the database answered). */
export const CACHE_HEADER = 'x-wardlink-latest-cache';
