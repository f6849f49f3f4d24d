/** The latest-vitals cache's Prometheus metrics, on the service's registry. */
import { Counter, Gauge, type Registry } from 'prom-client';

export type CacheOutcome = 'hit' | 'miss' | 'bypass';
/** 'stream': the snapshot a new SSE client gets first. */
export type CachedRoute = 'latest' | 'dashboard' | 'stream';

export class LatestCacheMetrics {
  private readonly reads: Counter<'route' | 'result'>;

  constructor(registry: Registry | undefined, hospitals: () => number) {
    const registers = registry ? [registry] : [];
    this.reads = new Counter({
      name: 'wardlink_latest_cache_reads_total',
      help: 'Latest, dashboard and stream-snapshot reads by how the cache answered (hit; miss: loaded or refreshed first; bypass: the database answered)',
      labelNames: ['route', 'result'],
      registers,
    });
    new Gauge({
      name: 'wardlink_latest_cache_hospitals',
      help: 'Hospitals held by the latest-vitals cache',
      registers,
      collect() {
        this.set(hospitals());
      },
    });
  }

  count(route: CachedRoute, outcome: CacheOutcome): void {
    this.reads.inc({ route, result: outcome });
  }
}
