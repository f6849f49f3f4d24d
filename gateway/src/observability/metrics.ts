/**
 * The gateway's Prometheus metrics. One registry per daemon instance (not prom-client's
 * global), so several gateways can run in one test process.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class GatewayMetrics {
  readonly registry = new Registry();

  readonly readingsIn = new Counter({
    name: 'wardlink_gateway_readings_in_total',
    help: 'Readings accepted and committed, per device and format',
    labelNames: ['device', 'format'] as const,
    registers: [this.registry],
  });
  readonly messagesIn = new Counter({
    name: 'wardlink_gateway_messages_in_total',
    help: 'Messages (MQTT publishes, HL7 messages, ASCII lines) received, per device and format',
    labelNames: ['device', 'format'] as const,
    registers: [this.registry],
  });
  readonly rejects = new Counter({
    name: 'wardlink_gateway_rejects_total',
    help: 'Bad input refused or flagged, per device and error code',
    labelNames: ['device', 'code'] as const,
    registers: [this.registry],
  });
  readonly flagged = new Counter({
    name: 'wardlink_gateway_readings_flagged_total',
    help: 'Readings stored with a quality flag, per device and flag',
    labelNames: ['device', 'flag'] as const,
    registers: [this.registry],
  });
  readonly bufferDepth = new Gauge({
    name: 'wardlink_gateway_buffer_unsent_readings',
    help: 'Readings in the local buffer not yet uploaded',
    registers: [this.registry],
  });
  readonly bufferBytes = new Gauge({
    name: 'wardlink_gateway_buffer_bytes',
    help: 'Bytes used by the local SQLite buffer',
    registers: [this.registry],
  });
  readonly bufferQueued = new Gauge({
    name: 'wardlink_gateway_writer_queued_readings',
    help: 'Readings waiting in memory for the next group commit',
    registers: [this.registry],
  });
  readonly commitLatency = new Histogram({
    name: 'wardlink_gateway_commit_latency_seconds',
    help: 'Group-commit transaction latency',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly commitRows = new Histogram({
    name: 'wardlink_gateway_commit_rows',
    help: 'Rows per group commit',
    buckets: [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000],
    registers: [this.registry],
  });
  readonly bufferFraction = new Gauge({
    name: 'wardlink_gateway_buffer_fill_ratio',
    help: 'Buffer bytes over its byte cap (technical alarms at 0.8 and 0.95)',
    registers: [this.registry],
  });
  /** A gauge mirroring the cap's cumulative counters (they live in the buffer). */
  readonly evictions = new Gauge({
    name: 'wardlink_gateway_evicted_readings_total',
    help: 'Readings evicted by the byte cap since start, by kind (uploaded, quarantined, unsent)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly deviceState = new Gauge({
    name: 'wardlink_gateway_device_state',
    help: 'Device connection state (1 for the current state)',
    labelNames: ['device', 'state'] as const,
    registers: [this.registry],
  });
  readonly deviceLastSeen = new Gauge({
    name: 'wardlink_gateway_device_last_seen_seconds',
    help: 'Unix time of the last message from a device',
    labelNames: ['device'] as const,
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) collectDefaultMetrics({ register: this.registry, prefix: 'wardlink_gateway_' });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
