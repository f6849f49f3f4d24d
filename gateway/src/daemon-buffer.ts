/**
 * The daemon's buffer: the group-commit writer, the byte cap, the disk-full watch and the
 * housekeeping, wired to the metrics and to what must hear of a commit or a full disk.
 */
import type { Clock } from '@wardlink/shared';
import { BufferLookGate, diskRoomMattersBelow } from './daemon-gauges.js';
import type { Logger } from 'pino';
import { DiskFullWatch } from './buffer/disk-full.js';
import { BufferCap } from './buffer/eviction.js';
import { BufferMaintenance } from './buffer/maintenance.js';
import { BufferWriter } from './buffer/writer.js';
import { DAEMON_MAX_COMMIT_DELAY_MS, WRITER_DEFAULTS } from './buffer/writer-options.js';
import type { GatewayConfig } from './config/schema.js';
import type { GatewayDatabase } from './db.js';
import type { GatewayMetrics } from './observability/metrics.js';

export interface DaemonBuffer {
  writer: BufferWriter;
  cap: BufferCap;
  diskFull: DiskFullWatch;
  maintenance: BufferMaintenance;
}

export interface BufferWiring {
  store: GatewayDatabase['store'];
  metrics: GatewayMetrics;
  clock: Clock;
  logger: Logger;
  /** A group committed: alarm events go to the cloud at once; an idle uplink stops polling the outbox. */
  onCommitted(readings: number, alarms: number): void;
  /** The buffer disk is full, or has room again (a technical alarm). */
  onDiskFull(full: boolean, detail: string): void;
}

export function openDaemonBuffer(config: GatewayConfig, w: BufferWiring): DaemonBuffer {
  const { store, metrics, clock, logger } = w;
  // The writer reports a failed commit to the disk-full watch, made just below.
  const late: { diskFull: DiskFullWatch | null } = { diskFull: null };
  // Readings filed at their receive time because their device time held other values
  // (recent-records.ts): counted always, logged at most once a minute.
  let retimedLoggedAtMs = -Infinity;
  const noteRetimed = (n: number) => {
    metrics.retimed.inc(n);
    const now = clock.now();
    if (now - retimedLoggedAtMs < 60_000) return;
    retimedLoggedAtMs = now;
    logger.warn(
      { code: 'WL_INGEST_DEVICE_TIME_REUSED', readings: n },
      'readings at device times already stored with other values (a monitor clock set back?): stored at their receive time, flagged clock-suspect',
    );
  };
  const writer = new BufferWriter(store, {
    ...(config.buffer.flushIntervalMs !== null ? { flushIntervalMs: config.buffer.flushIntervalMs } : {}),
    ...(config.buffer.maxBatchReadings !== null ? { maxBatchReadings: config.buffer.maxBatchReadings } : {}),
    ...commitDelay(config),
    maxQueuedReadings: config.buffer.maxQueuedReadings,
    clock,
    logger,
    onFailure: (err) => late.diskFull?.onCommitFailure(err),
    onCommit: (s) => {
      metrics.commitLatency.observe(s.latencyMs / 1000);
      metrics.commitRows.observe(s.rows);
      if (s.duplicates > 0) metrics.duplicates.inc(s.duplicates);
      if (s.retimed > 0) noteRetimed(s.retimed);
      capLook.noteCommit();
      w.onCommitted(s.readings, s.alarms);
    },
  });
  const cap = new BufferCap(store, { maxBytes: config.buffer.maxBytes, alarmReserveBytes: config.buffer.diskReserveBytes, clock, logger });
  // The byte cap is checked after a commit or a change of the disk's room that matters (or every 10 s), not every second regardless.
  const capLook = new BufferLookGate(cap.disk, clock, diskRoomMattersBelow(cap, store));
  const diskFull = new DiskFullWatch({
    refuseReadings: (err) => writer.refuseReadings(err),
    onChange: (full, detail) => {
      if (full) logger.error({ detail }, 'the buffer disk is full: readings are refused, alarm events are still stored');
      else logger.warn('the buffer disk has room again: readings are taken again');
      w.onDiskFull(full, detail);
    },
  });
  late.diskFull = diskFull;
  const maintenance = new BufferMaintenance(store, {
    cap,
    localRetentionMs: config.buffer.localRetentionMs,
    housekeepingIntervalMs: config.buffer.checkpointIntervalMs,
    capCheckDue: () => capLook.due(),
    capChecked: () => capLook.looked(),
    clock,
    logger,
  });
  return { writer, cap, diskFull, maintenance };
}

/**
 * The group commit's longest wait (buffer.maxCommitDelayMs). The default trades up to
 * 250 ms of acknowledgement latency at ward rates for about one WAL page per commit
 * instead of one per device message (buffer/writer-options.ts). Senders that wait for each
 * acknowledgement before the next message (HL7 over TCP or serial, the MQTT bridge) are
 * committed within the flush interval, at once when they send back to back
 * (BufferWriter.append's `prompt`).
 */
function commitDelay(config: GatewayConfig): { maxCommitDelayMs?: number } {
  if (config.buffer.maxCommitDelayMs !== null) return { maxCommitDelayMs: config.buffer.maxCommitDelayMs };
  const flush = config.buffer.flushIntervalMs ?? WRITER_DEFAULTS.flushIntervalMs[config.buffer.durability];
  return { maxCommitDelayMs: Math.max(flush, DAEMON_MAX_COMMIT_DELAY_MS) };
}
