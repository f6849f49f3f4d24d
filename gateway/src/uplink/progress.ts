/**
 * How the backlog is doing: its size, how fast batches go out, how fast the backlog
 * shrinks, and the estimated time left. Sampled once a second by the uplink; logs one
 * progress line per `logIntervalMs` while a backlog is actually draining, and one line
 * when it is gone.
 *
 * The estimate uses the NET rate (how fast the backlog shrank over the last
 * `windowMs`), not the send rate: live data keeps arriving while the backlog drains.
 */
import type { Backlog } from '../buffer/outbox.js';
import type { UplinkLogger } from './types.js';

export interface DrainSnapshot {
  backlogReadings: number;
  backlogAlarms: number;
  /** Gateway time (UTC ms) of the oldest item not yet uploaded, or null. */
  oldestUnsentMs: number | null;
  /** Readings acknowledged by the cloud per second, over the window. */
  sentReadingsPerS: number;
  /** How fast the backlog shrinks per second (negative: it grows). */
  netDrainReadingsPerS: number;
  /** Estimated seconds until the backlog is gone, or null when it is not shrinking. */
  etaS: number | null;
  /** More than `drainingAboveReadings` wait: the uplink is catching up. */
  draining: boolean;
}

interface Sample {
  atMs: number;
  backlog: number;
  sent: number;
}

export interface DrainProgressOptions {
  windowMs: number;
  logIntervalMs: number;
  /** A backlog above this is "draining"; at or below it the uplink is caught up. */
  drainingAboveReadings: number;
  logger: UplinkLogger;
}

export class DrainProgress {
  private samples: Sample[] = [];
  private last: DrainSnapshot = {
    backlogReadings: 0,
    backlogAlarms: 0,
    oldestUnsentMs: null,
    sentReadingsPerS: 0,
    netDrainReadingsPerS: 0,
    etaS: null,
    draining: false,
  };
  private drainStartedMs: number | null = null;
  private drainStartBacklog = 0;
  private lastLogMs = -Infinity;

  constructor(private readonly opts: DrainProgressOptions) {}

  get snapshot(): DrainSnapshot {
    return this.last;
  }

  update(backlog: Backlog, sentReadingsTotal: number, nowMs: number): DrainSnapshot {
    this.samples.push({ atMs: nowMs, backlog: backlog.readings, sent: sentReadingsTotal });
    while (this.samples.length > 2 && nowMs - this.samples[1]!.atMs >= this.opts.windowMs) this.samples.shift();
    const first = this.samples[0]!;
    const seconds = (nowMs - first.atMs) / 1000;
    const sentPerS = seconds > 0 ? (sentReadingsTotal - first.sent) / seconds : 0;
    const netPerS = seconds > 0 ? (first.backlog - backlog.readings) / seconds : 0;
    this.last = {
      backlogReadings: backlog.readings,
      backlogAlarms: backlog.alarms,
      oldestUnsentMs: backlog.oldestMs,
      sentReadingsPerS: Math.round(sentPerS),
      netDrainReadingsPerS: Math.round(netPerS),
      ...this.estimate(backlog.readings, netPerS),
    };
    this.log(nowMs);
    return this.last;
  }

  /** Whether `backlogReadings` is a backlog, and its time left at the last measured net rate. */
  estimate(backlogReadings: number, netPerS = this.last.netDrainReadingsPerS): { draining: boolean; etaS: number | null } {
    const draining = backlogReadings > this.opts.drainingAboveReadings;
    return { draining, etaS: !draining ? 0 : netPerS > 0 ? Math.ceil(backlogReadings / netPerS) : null };
  }

  private log(nowMs: number): void {
    const s = this.last;
    const { logger } = this.opts;
    if (s.draining && s.sentReadingsPerS > 0) {
      if (this.drainStartedMs === null) {
        this.drainStartedMs = nowMs;
        this.drainStartBacklog = s.backlogReadings;
        this.lastLogMs = nowMs;
        logger.info({ backlogReadings: s.backlogReadings, backlogAlarms: s.backlogAlarms, oldestUnsentAgeS: ageS(s.oldestUnsentMs, nowMs) }, 'uplink: draining the backlog');
      } else if (nowMs - this.lastLogMs >= this.opts.logIntervalMs) {
        this.lastLogMs = nowMs;
        logger.info(
          { backlogReadings: s.backlogReadings, sentReadingsPerS: s.sentReadingsPerS, netDrainReadingsPerS: s.netDrainReadingsPerS, etaS: s.etaS, oldestUnsentAgeS: ageS(s.oldestUnsentMs, nowMs) },
          'uplink: backlog draining',
        );
      }
    } else if (!s.draining && this.drainStartedMs !== null) {
      logger.info({ drainS: Math.round((nowMs - this.drainStartedMs) / 1000), backlogAtStart: this.drainStartBacklog, backlogReadings: s.backlogReadings }, 'uplink: backlog drained, caught up with live data');
      this.drainStartedMs = null;
    }
  }
}

function ageS(ms: number | null, nowMs: number): number | null {
  return ms === null ? null : Math.max(0, Math.round((nowMs - ms) / 1000));
}
