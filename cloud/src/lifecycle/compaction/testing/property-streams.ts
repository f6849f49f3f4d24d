/**
 * Random streams for compaction-property.test.ts: the readings a case stores, and the
 * series that emit them (1 Hz monitors with gaps and dropouts, NIBP every 15 minutes,
 * irregular µs times; values at resolution 1, 0.1 and 0.01 or odd float4s; runs of
 * flagged readings, CLOCK_SUSPECT receive times days off, receive lags past lag16).
 * The whole case, with its late readings and re-sent copies, is property-case.ts.
 */
import { QualityFlag } from '@wardlink/shared';
import { DAY_MS } from '../../../storage/utc-days.js';
import { NOW } from '../../testing/harness.js';
import type { Rng } from './property-rng.js';

export const SEC_US = 1_000_000;
export const MIN_US = 60 * SEC_US;
export const HOUR_US = 3_600 * SEC_US;
export const DAY_US = DAY_MS * 1_000;
export const NOW_US = NOW * 1_000;
/** The job's default grace (settings.compactAfterMs): hours before this are compacted. */
export const CUTOFF_US = Math.floor((NOW_US - 10 * MIN_US) / HOUR_US) * HOUR_US;

export const HR = 147842;
export const SPO2 = 150456;
export const PULSE = 149530;
export const ST_II = 131842;
export const NIBP_SYS = 150301;
export const NIBP_DIA = 150302;
export const TEMP = 150364;

export interface Reading {
  t: number; // µs since the epoch
  recv: number; // µs
  seq: number;
  value: number; // a float4
  metric: number;
  flags: number;
  hospital: string;
  patient: string;
  gateway: string;
  device: string;
  bed: string;
}

/** Floats no monitor sends (no short decimal, or too many digits for any v_scale). */
export const ODD_VALUES = [1 / 3, 2 / 3, 0.1 + 0.2, 1e-7, 123_456.78, -98_765.43, 3.4e38, 1.5e-45, 7 / 9, 16_777_217, -2_147_483.6].map(Math.fround);
/** Raw values an INVALID reading keeps (the codec carries them exactly). */
export const INVALID_RAWS = [-999, -100, 0, 1e6, 6_553.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0].map(Math.fround);

type ValueModel = 'int' | 'tenth' | 'hundredth' | 'odd';

export interface SeriesSpec {
  hospital: string;
  gateway: string;
  device: string;
  metric: number;
  model: ValueModel;
  lo: number;
  hi: number;
  /** Patient and bed from `at` (µs) on; the first entry applies from the start. */
  placement: Array<{ at: number; patient: string; bed: string }>;
  lagUs: boolean;
  /** All readings of the series carry one batch_seq (dseq NULL in their blocks). */
  oneBatch: boolean;
}

function valueOf(rng: Rng, model: ValueModel, lo: number, hi: number, prev: number): number {
  const walk = Math.min(hi, Math.max(lo, prev + (rng.next() - 0.5) * (hi - lo) * 0.1));
  // "+ 0": a gateway quantizes -0 to 0 (only an INVALID reading's raw value may be -0).
  return valueAt(rng, model, walk) + 0;
}

function valueAt(rng: Rng, model: ValueModel, walk: number): number {
  switch (model) {
    case 'int':
      return Math.round(walk);
    case 'tenth':
      return rng.chance(0.002) ? rng.pick(ODD_VALUES) : Math.fround(Math.round(walk * 10) / 10);
    case 'hundredth':
      return Math.fround(Math.round(walk * 100) / 100);
    case 'odd':
      return rng.chance(0.5) ? rng.pick(ODD_VALUES) : Math.fround(walk / 3);
  }
}

export function placementAt(spec: SeriesSpec, t: number): { patient: string; bed: string } {
  let p = spec.placement[0]!;
  for (const q of spec.placement) if (q.at <= t) p = q;
  return p;
}

/** 1 Hz segments (a monitor connected now and then), with dropouts. */
export function oneHzTimes(rng: Rng, startUs: number, endUs: number, phaseUs: number, jitter: boolean): number[] {
  const out: number[] = [];
  const segments = rng.int(2, 4);
  for (let s = 0; s < segments; s++) {
    const seconds = rng.int(30, 300);
    const first = Math.floor((startUs + rng.next() * (endUs - startUs - seconds * SEC_US)) / SEC_US);
    for (let i = 0; i < seconds; i++) {
      if (rng.chance(0.03)) continue;
      const t = (first + i) * SEC_US + phaseUs + (jitter ? rng.int(-300, 300) : 0);
      if (t >= startUs && t < endUs) out.push(t);
    }
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

export function nibpTimes(rng: Rng, startUs: number, endUs: number): number[] {
  const out: number[] = [];
  for (let t = startUs - (startUs % SEC_US) + rng.int(0, 899) * SEC_US; t < endUs; t += 15 * MIN_US) {
    if (!rng.chance(0.1)) out.push(t + rng.int(-2, 2) * SEC_US);
  }
  return out.filter((t) => t >= startUs && t < endUs);
}

/** Irregular times in whole µs, with gaps longer than int4 µs (35.8 min) now and then. */
export function sparseTimes(rng: Rng, startUs: number, endUs: number): number[] {
  const out: number[] = [];
  for (let t = startUs + rng.int(0, 30 * MIN_US); t < endUs; t += rng.chance(0.3) ? rng.int(36 * MIN_US, 55 * MIN_US) : rng.int(MIN_US, 20 * MIN_US)) out.push(t);
  return out;
}

function lagOf(rng: Rng, spec: SeriesSpec): number {
  if (rng.chance(0.02)) return rng.chance(0.7) ? rng.int(33, 7_200) * SEC_US + rng.int(0, 999) * 1_000 : -rng.int(33, 600) * SEC_US; // a backlog, a clock ahead
  return spec.lagUs ? rng.int(40_000, 900_000) : rng.int(40, 900) * 1_000;
}

interface FlagState {
  flag: number;
  left: number;
}

/** Fills readings for the given times of a series, with runs of flagged readings. */
export function emit(rng: Rng, spec: SeriesSpec, times: number[], seqBase: number, out: Reading[]): void {
  const state: FlagState = { flag: 0, left: 0 };
  let prev = (spec.lo + spec.hi) / 2;
  for (const t of times) {
    let value = valueOf(rng, spec.model, spec.lo, spec.hi, prev);
    prev = Number.isFinite(value) ? value : prev;
    let flags = 0;
    let u = 0;
    let recv = t + lagOf(rng, spec);
    if (state.left > 0) {
      state.left--;
      flags = state.flag;
      if (flags === QualityFlag.SENSOR_OFF) value = 0;
    } else if ((u = rng.next()) < 0.004) {
      state.flag = rng.pick([QualityFlag.SENSOR_OFF, QualityFlag.DEMO, QualityFlag.PATIENT_MISMATCH, QualityFlag.SENSOR_OFF | QualityFlag.DEMO]);
      state.left = rng.int(3, 40);
    } else if (u < 0.01) {
      flags = QualityFlag.INVALID;
      value = rng.pick(INVALID_RAWS);
    } else if (u < 0.014) {
      // t is the gateway's receive time; received_at holds the device clock's, days off.
      flags = QualityFlag.CLOCK_SUSPECT | (rng.chance(0.2) ? QualityFlag.INVALID : 0);
      recv = t + (rng.chance(0.5) ? 1 : -1) * (rng.int(1, 4) * DAY_US + rng.int(0, DAY_US));
    }
    const { patient, bed } = placementAt(spec, t);
    const seq = spec.oneBatch ? seqBase : seqBase + Math.floor(((t % DAY_US) + Math.max(0, recv - t)) / (5 * SEC_US));
    out.push({ t, recv, seq, value, metric: spec.metric, flags, hospital: spec.hospital, patient, gateway: spec.gateway, device: spec.device, bed });
  }
}
