/**
 * The gateway's Prometheus metrics. One registry per daemon instance (not prom-client's
 * global), so several gateways can run in one test process.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PROM_CLIENT_EVENT_LOOP_PRECISION_MS, registerEventLoopLag } from './event-loop-lag.js';

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
  readonly refusedValues = new Counter({
    name: 'wardlink_gateway_refused_values_total',
    help: 'Values and messages refused, per device, error code and observation code (term "" for a whole message; at most 64 terms per device, then "(other)")',
    labelNames: ['device', 'code', 'term'] as const,
    registers: [this.registry],
  });
  readonly duplicates = new Counter({
    name: 'wardlink_gateway_duplicate_readings_total',
    help: 'Readings received again after they were stored (a resent MQTT message or HL7 message), stored once',
    registers: [this.registry],
  });
  readonly retimed = new Counter({
    name: 'wardlink_gateway_retimed_readings_total',
    help: 'Readings at a device time already stored with other values (a monitor clock set back): stored at their receive time, flagged clock-suspect',
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
  readonly bufferEffectiveMaxBytes = new Gauge({
    name: 'wardlink_gateway_buffer_effective_max_bytes',
    help: 'The byte cap that counts: buffer.maxBytes, or less when the disk cannot hold it plus the reserve',
    registers: [this.registry],
  });
  readonly diskAvailableBytes = new Gauge({
    name: 'wardlink_gateway_disk_available_bytes',
    help: "What the buffer's filesystem can still allocate (statfs)",
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
  /** Mirrors the alarm record's write counters (alarms/audit-log.ts): an event waiting in
   * memory for a disk that refuses writes is a patient-safety record at risk. */
  readonly alarmEventWrites = new Gauge({
    name: 'wardlink_gateway_alarm_event_writes_total',
    help: 'Alarm events since start by outcome: stored, failedWrites (commits retried), refused (invalid), dropped (over the memory cap), lost (unwritten at shutdown)',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  readonly alarmEventsQueued = new Gauge({
    name: 'wardlink_gateway_alarm_events_queued',
    help: 'Alarm events held in memory, waiting to be written (they are retried until stored)',
    registers: [this.registry],
  });
  readonly pcd04ManagerUp = new Gauge({
    name: 'wardlink_gateway_pcd04_manager_up',
    help: 'IHE PCD-04 alarm manager: 1 while it answers, 0 while alarm-manager-down is raised (absent when alarms.pcd04 is not configured)',
    registers: [this.registry],
  });
  readonly pcd04Queued = new Gauge({
    name: 'wardlink_gateway_pcd04_queued',
    help: 'ORU^R40 alarm reports queued for the alarm manager, not yet acknowledged',
    registers: [this.registry],
  });
  readonly pcd04Events = new Gauge({
    name: 'wardlink_gateway_pcd04_events_total',
    help: 'IHE PCD-04 sender events since start: sent, acknowledged, naks, ackTimeouts, connectFailures, disconnects, badAnswers, keepAlives, outboxWriteFailures',
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

  // The uplink (gateway/src/uplink): uploads, the breaker, and the backlog's drain.
  readonly uplinkBatches = new Counter({
    name: 'wardlink_gateway_uplink_batches_total',
    help: 'Batch uploads by result (sent, duplicate, retry, quarantined, halted) and HTTP status ("none": no answer)',
    labelNames: ['result', 'status'] as const,
    registers: [this.registry],
  });
  readonly uplinkReadingsSent = new Counter({
    name: 'wardlink_gateway_uplink_readings_sent_total',
    help: 'Readings acknowledged by the cloud',
    registers: [this.registry],
  });
  readonly uplinkBytesSent = new Counter({
    name: 'wardlink_gateway_uplink_bytes_sent_total',
    help: 'Encoded batch bytes acknowledged by the cloud',
    registers: [this.registry],
  });
  readonly uplinkRequestSeconds = new Histogram({
    name: 'wardlink_gateway_uplink_request_seconds',
    help: 'Batch upload duration (POST to answer), by result',
    labelNames: ['result'] as const,
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly uplinkBreakerState = new Gauge({
    name: 'wardlink_gateway_uplink_breaker_state',
    help: 'Uplink circuit breaker state (1 for the current one: closed, open, half-open)',
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  readonly uplinkUp = new Gauge({
    name: 'wardlink_gateway_uplink_up',
    help: '1 while the last upload succeeded, 0 from a failed upload until the next success',
    registers: [this.registry],
  });
  readonly uplinkHalted = new Gauge({
    name: 'wardlink_gateway_uplink_halted',
    help: '1 while uploads are paused because the cloud refused the credentials or the URL (IT must act)',
    registers: [this.registry],
  });
  readonly uplinkInFlight = new Gauge({
    name: 'wardlink_gateway_uplink_in_flight_batches',
    help: 'Batches being uploaded right now',
    registers: [this.registry],
  });
  readonly uplinkBacklogReadings = new Gauge({
    name: 'wardlink_gateway_uplink_backlog_readings',
    help: 'Readings waiting to be uploaded (unbatched plus in pending batches)',
    registers: [this.registry],
  });
  readonly uplinkDrainEta = new Gauge({
    name: 'wardlink_gateway_uplink_drain_eta_seconds',
    help: 'Estimated seconds until the backlog is uploaded (0 when caught up, -1 while it is not shrinking)',
    registers: [this.registry],
  });

  constructor(opts: { processMetrics?: boolean } = {}) {
    if (opts.processMetrics) {
      // prom-client's event-loop histogram sampled every 10 ms (~half an idle gateway's CPU);
      // its gauges come from a 1 s timer instead (event-loop-lag.ts).
      collectDefaultMetrics({ register: this.registry, prefix: 'wardlink_gateway_', eventLoopMonitoringPrecision: PROM_CLIENT_EVENT_LOOP_PRECISION_MS });
      this.stopEventLoopLag = registerEventLoopLag(this.registry, 'wardlink_gateway_');
    }
  }

  private stopEventLoopLag: () => void = () => undefined;

  /** Stops the event-loop lag timer (the daemon's stop). */
  close(): void {
    this.stopEventLoopLag();
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
