/**
 * The read side of the cloud service: the latest-vitals cache, the SSE stream hub and the
 * LISTEN connection feeding both. Only an instance serving reads starts it (an ingest
 * instance only NOTIFYs), so it is wired apart from the rest of CloudService.start.
 */
import type { Logger } from 'pino';
import type { Clock } from '@wardlink/shared';
import { validReaderTokens } from './api/auth/reader-store.js';
import { StreamHub } from './api/routes/stream/stream-hub.js';
import type { CloudConfig, DatabaseConfig } from './config/schema.js';
import { LatestVitalsCache } from './latest-cache/latest-vitals-cache.js';
import type { CloudMetrics } from './observability/metrics.js';
import type { CloudServiceOptions } from './service-options.js';
import { LatestListener } from './storage/latest-listener.js';
import type { Pools } from './storage/pool.js';

export interface ReadSide {
  latestCache: LatestVitalsCache;
  streamHub: StreamHub;
  listener: LatestListener;
}

/** The latest-vitals cache, the stream hub and the LISTEN connection feeding both, started. */
export function startReadSide(config: CloudConfig, database: DatabaseConfig, pools: Pools, metrics: CloudMetrics, clock: Clock, logger: Logger, options: CloudServiceOptions): ReadSide {
  const primary = pools.primary;
  // The latest and dashboard routes' (and the streams' snapshots') in-memory copy, fed by the same notifications.
  // Heartbeats are NOTIFYed on the primary (a standby cannot), on the read pool when it is the primary's.
  const latestCache = new LatestVitalsCache({
    pool: pools.replica,
    notifyPool: pools.hasReplica ? pools.primary : pools.replica,
    clock,
    logger: logger.child({ component: 'latest-cache' }),
    maxHospitals: config.server.latestCacheMaxHospitals,
    registry: metrics.registry,
  });
  const streamHub = new StreamHub(
    // Tokens are checked on the primary: a revocation must not wait for replication.
    { pool: pools.replica, metrics, logger: logger.child({ component: 'stream' }), clock, validTokens: (hashes) => validReaderTokens(primary, hashes), latestCache },
    { maxStreams: config.server.maxStreams, maxStreamsPerHospital: config.server.maxStreamsPerHospital, maxQueuedBytes: config.server.streamMaxQueuedBytes, ...options.stream },
  );
  // On the primary's URL: NOTIFY does not reach replicas.
  const listener = new LatestListener({
    connectionString: database.url!,
    clock,
    logger: logger.child({ component: 'stream' }),
    onChange: (change) => {
      latestCache.onChange(change);
      streamHub.onChange(change);
    },
    onResync: () => {
      latestCache.resync();
      streamHub.resync();
    },
  });
  listener.start();
  latestCache.start();
  return { latestCache, streamHub, listener };
}
