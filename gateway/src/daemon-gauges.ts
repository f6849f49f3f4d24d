/**
 * The daemon's gauges, refreshed once a second and before each /metrics answer:
 * buffer usage (which also drives the buffer-full alarm and the disk-full watch), evictions,
 * alarm audit and PCD-04 queues, devices last seen, the ingest rate.
 */
import type { Clock } from '@wardlink/shared';
import type { Pcd04Reporter } from './alarms/pcd04/index.js';
import type { AlarmService } from './alarms/service.js';
import type { DiskFullWatch } from './buffer/disk-full.js';
import type { BufferCap } from './buffer/eviction.js';
import type { BufferWriter } from './buffer/writer.js';
import type { DeviceStates } from './ingest/device-state.js';
import type { IngestPipeline } from './ingest/pipeline.js';
import type { GatewayMetrics } from './observability/metrics.js';
import type { RateMeter } from './observability/rate.js';

export interface GaugeSources {
  readonly metrics: GatewayMetrics;
  readonly cap: BufferCap;
  readonly writer: BufferWriter;
  readonly diskFull: DiskFullWatch;
  readonly alarms: AlarmService;
  readonly pcd04: Pcd04Reporter | null;
  readonly deviceStates: DeviceStates;
  readonly pipeline: IngestPipeline;
  readonly ingestRate: RateMeter;
  readonly clock: Clock;
}

export function refreshGauges(s: GaugeSources): void {
  const { metrics } = s;
  const usage = s.cap.bufferUsage();
  metrics.bufferDepth.set(usage.unsentReadings);
  metrics.bufferBytes.set(usage.bytes);
  metrics.bufferFraction.set(usage.fraction);
  s.alarms.engine.onBufferUsage(usage.fraction);
  s.diskFull.onUsage(usage);
  metrics.bufferEffectiveMaxBytes.set(usage.maxBytes);
  metrics.diskAvailableBytes.set(usage.diskAvailableBytes);
  metrics.bufferQueued.set(s.writer.queuedReadings);
  const evicted = s.cap.counters();
  metrics.evictions.set({ kind: 'uploaded' }, evicted.uploadedReadings);
  metrics.evictions.set({ kind: 'quarantined' }, evicted.quarantinedReadings);
  metrics.evictions.set({ kind: 'unsent' }, evicted.unsentReadings);
  for (const [kind, n] of Object.entries(s.alarms.audit.counters)) metrics.alarmEventWrites.set({ kind }, n);
  metrics.alarmEventsQueued.set(s.alarms.audit.queued);
  const pcd04 = s.pcd04?.status();
  if (pcd04) {
    metrics.pcd04ManagerUp.set(pcd04.managerDown ? 0 : 1);
    metrics.pcd04Queued.set(pcd04.queued);
    for (const [kind, n] of Object.entries(pcd04.counters)) metrics.pcd04Events.set({ kind }, n);
    metrics.pcd04Events.set({ kind: 'outboxWriteFailures' }, pcd04.outboxWriteFailures);
  }
  for (const d of s.deviceStates.snapshot()) {
    if (d.lastSeenMs !== null) metrics.deviceLastSeen.set({ device: d.deviceId }, d.lastSeenMs / 1000);
  }
  s.ingestRate.sample(s.pipeline.storedTotal, s.clock.now());
}
