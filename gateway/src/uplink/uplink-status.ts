/**
 * The uplink's status for `wardlink status`, /healthz and the fleet view: built from the
 * uplink's parts when asked (a few indexed lookups), never on the send path. Kept apart from
 * uplink.ts, which sends; this only reads what the sending left behind.
 */
import type { Backlog, Outbox } from '../buffer/outbox.js';
import type { CircuitBreaker } from './breaker.js';
import { displayUrl, type UplinkOptions } from './options.js';
import type { DrainProgress } from './progress.js';
import type { Settler } from './settle.js';
import type { UplinkStatus } from './types.js';

export interface UplinkStatusParts {
  options: UplinkOptions;
  outbox: Outbox;
  progress: DrainProgress;
  breaker: CircuitBreaker;
  settler: Settler;
  stopping: boolean;
  inFlight: number;
  nowMs: number;
}

export function uplinkStatus(u: UplinkStatusParts): UplinkStatus {
  const now = u.nowMs;
  const s = u.progress.snapshot;
  // The backlog now (a few indexed lookups), not the last once-a-second sample.
  let backlog: Backlog = { readings: s.backlogReadings, alarms: s.backlogAlarms, oldestMs: s.oldestUnsentMs };
  try {
    backlog = u.outbox.backlog();
  } catch {
    // the database is closing: the sample will do
  }
  const estimate = u.progress.estimate(backlog.readings);
  const breaker = u.breaker.state;
  const next = Math.max(u.settler.notBeforeMs, u.breaker.retryAtMs() ?? 0);
  const backingOff = next > now;
  return {
    url: displayUrl(u.options.url),
    activity: u.stopping ? 'stopped' : u.settler.halted ? 'halted' : backingOff ? 'backing-off' : u.inFlight > 0 ? 'sending' : 'idle',
    up: u.settler.up,
    breaker,
    inFlight: u.inFlight,
    backlogReadings: backlog.readings,
    backlogAlarms: backlog.alarms,
    oldestUnsentAgeS: backlog.oldestMs === null ? null : Math.max(0, Math.round((now - backlog.oldestMs) / 1000)),
    sentReadingsPerS: s.sentReadingsPerS,
    netDrainReadingsPerS: s.netDrainReadingsPerS,
    etaS: estimate.etaS,
    draining: estimate.draining,
    lastSuccessAtMs: u.settler.lastSuccessMs,
    nextAttemptAtMs: backingOff ? next : null,
    lastError: u.settler.lastError,
    batchesSent: u.settler.counts.sent,
    batchesFailed: u.settler.counts.failed,
    batchesQuarantined: u.settler.counts.quarantined,
    readingsSent: u.settler.counts.readings,
    maxBatchReadings: u.settler.maxBatchReadings,
  };
}
