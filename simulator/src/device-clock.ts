/**
 * Each monitor's own clock: a fixed offset from true time, a drift in ppm, and a jitter
 * of tens of ms on every record. Ticks are the monitor's 1 Hz reporting slots; tick k is
 * due at true time `startMs + phaseMs + k * 1000`.
 */
import { signedUnit } from './prng.js';

/** Record times jitter by up to this much either side of the drifting clock, by default
 * (a cadence may set more: see cadence.ts). */
export const JITTER_MAX_MS = 40;
/** Device clocks are set within this much of true time. */
export const CLOCK_OFFSET_MAX_MS = 1500;
/** Device crystals drift by up to this many ppm. */
export const CLOCK_DRIFT_MAX_PPM = 40;
/** Numerics come once per second. */
export const TICK_MS = 1000;

export interface DeviceClock {
  /** Where in the second this device's ticks fall, so beds do not all report at once. */
  phaseMs: number;
  offsetMs: number;
  driftPpm: number;
  jitterKey: number;
  /** Record times jitter by up to this much either side of the drifting clock. */
  jitterMaxMs: number;
}

/** The true (gateway) time at which tick `tick` is emitted. */
export function trueTimeAt(startMs: number, clock: DeviceClock, tick: number): number {
  return startMs + clock.phaseMs + tick * TICK_MS;
}

/** The device clock without the per-record jitter: offset plus accumulated drift. */
export function clockErrorAt(clock: DeviceClock, tick: number): number {
  const elapsed = clock.phaseMs + tick * TICK_MS;
  return clock.offsetMs + Math.round((elapsed * clock.driftPpm) / 1e6);
}

/** The time the device stamps on the record of tick `tick`, integer UTC ms. */
export function deviceTimeAt(startMs: number, clock: DeviceClock, tick: number): number {
  const jitter = Math.round(signedUnit(clock.jitterKey, tick) * clock.jitterMaxMs);
  return trueTimeAt(startMs, clock, tick) + clockErrorAt(clock, tick) + jitter;
}

/**
 * The first tick whose device time may be at or after `ms` (a lower bound, never past
 * the exact answer), clamped to tick 0. Callers then filter on the exact device time.
 */
export function firstTickNear(startMs: number, clock: DeviceClock, ms: number): number {
  const approx = (ms - startMs - clock.phaseMs - clock.offsetMs) / (TICK_MS * (1 + clock.driftPpm / 1e6));
  return Math.max(0, Math.floor(approx) - 2);
}
