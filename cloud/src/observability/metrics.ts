/**
 * The cloud service's Prometheus metrics. One registry per service instance (never
 * prom-client's global one), so several services can run in one test process.
 */
import type pg from 'pg';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { FleetMetrics } from '../fleet/metrics.js';

/** What happened to one POST /v1/batches. */
export type BatchOutcome = 'stored' | 'duplicate' | 'rejected' | 'unauthorized' | 'rate_limited' | 'unavailable' | 'error';

export class CloudMetrics {
  readonly registry = new Registry();

  readonly batches = new Counter({
    name: 'wardlink_cloud_batches_total',
    help: 'POST /v1/batches requests by outcome and HTTP status',
    labelNames: ['outcome', 'status'] as const,
    registers: [this.registry],
  });
  readonly batchErrors = new Counter({
    name: 'wardlink_cloud_batch_errors_total',
    help: 'Refused batches by stable error code',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly readingsLoaded = new Counter({
    name: 'wardlink_cloud_readings_loaded_total',
    help: 'Readings newly stored in vital_data',
    registers: [this.registry],
  });
  readonly alarmsLoaded = new Counter({
    name: 'wardlink_cloud_alarm_events_loaded_total',
    help: 'Alarm events newly stored',
    registers: [this.registry],
  });
  readonly conflictingReadings = new Counter({
    name: 'wardlink_cloud_conflicting_readings_total',
    help: 'Readings not stored: another reading with their key (patient, metric, time, gateway, device) but another value was stored first',
    registers: [this.registry],
  });
  readonly stagedLoads = new Counter({
    name: 'wardlink_cloud_staged_loads_total',
    help: 'Batches that overlapped readings already stored and went through the staging table',
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({
    name: 'wardlink_cloud_rate_limited_total',
    help: 'Batches answered 429, per gateway',
    labelNames: ['gateway_id'] as const,
    registers: [this.registry],
  });
  readonly seqReused = new Counter({
    name: 'wardlink_cloud_batch_seq_reused_total',
    help: 'Batches answered 409 WL_API_BATCH_SEQ_REUSED (another batch holds the seq), per gateway: a few after a gateway lost its last commits, a steady rate when two gateways share one identity',
    labelNames: ['gateway_id'] as const,
    registers: [this.registry],
  });
  readonly wrongRole = new Counter({
    name: 'wardlink_cloud_wrong_role_total',
    help: 'Requests refused 421 WL_API_WRONG_ROLE because this instance\'s server.role does not serve the route, by the role that does: a load balancer routing to the wrong pool, or a gateway whose cloud.url names a read instance',
    labelNames: ['route_role'] as const,
    registers: [this.registry],
  });
  readonly batchDuration = new Histogram({
    name: 'wardlink_cloud_batch_duration_seconds',
    help: 'POST /v1/batches latency, from request to response, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  readonly copyDuration = new Histogram({
    name: 'wardlink_cloud_copy_duration_seconds',
    help: 'Time of the COPY into vital_data per batch',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly readRequests = new Counter({
    name: 'wardlink_cloud_read_requests_total',
    help: 'Read API requests by route pattern and HTTP status',
    labelNames: ['route', 'status'] as const,
    registers: [this.registry],
  });
  readonly readDuration = new Histogram({
    name: 'wardlink_cloud_read_duration_seconds',
    help: 'Read API latency by route pattern, from request to the last byte sent',
    labelNames: ['route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly readStreamFailures = new Counter({
    name: 'wardlink_cloud_read_stream_failures_total',
    help: 'Streamed read answers (200 already sent) that ended with an error line instead of their last line',
    labelNames: ['route'] as const,
    registers: [this.registry],
  });
  readonly streamsOpen = new Gauge({
    name: 'wardlink_cloud_streams_open',
    help: 'SSE streams (GET /v1/hospitals/:hospitalId/stream) open on this instance',
    registers: [this.registry],
  });
  readonly streamEvents = new Counter({
    name: 'wardlink_cloud_stream_events_total',
    help: 'SSE events sent, per client, by event name (snapshot, vitals)',
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly streamClientsDropped = new Counter({
    name: 'wardlink_cloud_stream_clients_dropped_total',
    help: 'SSE clients dropped because their queue of unsent bytes passed the bound',
    registers: [this.registry],
  });
  readonly inFlight = new Gauge({
    name: 'wardlink_cloud_batches_in_flight',
    help: 'Batch requests being received, decoded or loaded',
    registers: [this.registry],
  });
  readonly poolWaiting: Gauge;
  readonly poolTotal: Gauge;
  readonly poolIdle: Gauge;
  /** The gateways' latest status (cloud/src/fleet), read from gateway_status at scrape time. */
  readonly fleet: FleetMetrics;

  constructor(pool?: pg.Pool) {
    collectDefaultMetrics({ register: this.registry, prefix: 'wardlink_cloud_' });
    // Read at scrape time, so they are never stale.
    const fromPool = (read: (p: pg.Pool) => number) =>
      function (this: Gauge) {
        if (pool) this.set(read(pool));
      };
    this.poolWaiting = new Gauge({
      name: 'wardlink_cloud_db_pool_waiting',
      help: 'Requests waiting for a PostgreSQL connection',
      registers: [this.registry],
      collect: fromPool((p) => p.waitingCount),
    });
    this.poolTotal = new Gauge({
      name: 'wardlink_cloud_db_pool_connections',
      help: 'Open PostgreSQL connections in the primary pool',
      registers: [this.registry],
      collect: fromPool((p) => p.totalCount),
    });
    this.poolIdle = new Gauge({
      name: 'wardlink_cloud_db_pool_idle',
      help: 'Idle PostgreSQL connections in the primary pool',
      registers: [this.registry],
      collect: fromPool((p) => p.idleCount),
    });
    this.fleet = new FleetMetrics(this.registry, pool);
  }
}
