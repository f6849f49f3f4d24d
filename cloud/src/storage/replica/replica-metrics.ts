/**
 * The replica's metrics. Created with the pools (before the service's registry exists)
 * and registered into it by `register`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

export type FallbackReason = 'down' | 'lag' | 'error';

export class ReplicaMetrics {
  readonly lagSeconds = new Gauge({
    name: 'wardlink_cloud_replica_lag_seconds',
    help: 'Replay lag of the read replica (time since the oldest primary WAL position it has not replayed), at its last check',
    registers: [],
  });
  readonly lagBytes = new Gauge({
    name: 'wardlink_cloud_replica_lag_bytes',
    help: 'WAL bytes the read replica has not replayed yet, at its last check',
    registers: [],
  });
  readonly up = new Gauge({
    name: 'wardlink_cloud_replica_up',
    help: '1 when the read replica answered its last check, 0 when it did not',
    registers: [],
  });
  readonly fallbacks = new Counter({
    name: 'wardlink_cloud_replica_fallbacks_total',
    help: 'Read requests sent to the primary instead of the replica, by reason (down, lag above database.replicaMaxLagMs, error during the request)',
    labelNames: ['reason'] as const,
    registers: [],
  });

  register(registry: Registry): void {
    for (const m of [this.lagSeconds, this.lagBytes, this.up, this.fallbacks]) registry.registerMetric(m);
  }
}
