/**
 * How often a monitor sends a record, and which metrics a record carries.
 *
 * The default (lab) cadence is one record a second with every metric the bed has. Real
 * ICU numerics exported from a GE monitor look different, and the wire codec's figures
 * depend on it (issue 18, "Wire bytes on real data"): one record about every 5 s, at
 * irregular intervals (4, 5 or 6 s) with jittered timestamps, and metrics that come and
 * go (temperature, perfusion index, capnography missing from some records).
 *
 * A cadence is a pure function of (bed, tick), like the rest of the simulator: tick k of
 * a bed carries a record when it is the tick of one of the bed's record cycles, so any
 * window is generated on its own and matches a longer run exactly.
 */
import type { MetricId } from '@wardlink/shared';
import { hash32, unit } from './prng.js';

export interface CadenceOptions {
  /** One record every this many ms (whole seconds), before the irregularity. Default 1000. */
  recordPeriodMs?: number;
  /** Record times jitter by up to this much either side of the drifting clock. Default 40. */
  jitterMaxMs?: number;
  /** Metrics drop out of some records (see DROPOUT). Default false. */
  intermittent?: boolean;
}

/** The profile of real ICU numerics from a GE monitor, as the codec benchmark uses it. */
export const ICU_NUMERICS_CADENCE: Readonly<Required<CadenceOptions>> = Object.freeze({ recordPeriodMs: 5000, jitterMaxMs: 250, intermittent: true });

/** Jitter above this could reorder two consecutive 1 s ticks of one device. */
export const JITTER_LIMIT_MS = 400;

/**
 * Per-record probability that a metric is missing, in the intermittent profile. Flagged
 * values (sensor off, invalid markers, demo) are never dropped: they are the artifacts the
 * alarm tests look for. NIBP is not here: it is already one reading per cuff cycle.
 */
export const DROPOUT: Readonly<Partial<Record<MetricId, number>>> = Object.freeze({
  HR: 0.01,
  PR: 0.03,
  SPO2: 0.03,
  PI: 0.1,
  RR: 0.08,
  TEMP: 0.3,
  ETCO2: 0.1,
  ABP_SYS: 0.04,
  ABP_DIA: 0.04,
  ABP_MEAN: 0.04,
});

/** A cycle's record tick moves one tick early or late with this probability each. */
const SHIFT_PROBABILITY = 0.15;
const TAG_CYCLE = 0x6379_636c;
const TAG_DROP = 0x6472_6f70;
const ABP: readonly MetricId[] = ['ABP_SYS', 'ABP_DIA', 'ABP_MEAN'];

export class Cadence {
  readonly periodTicks: number;

  constructor(
    periodMs: number,
    readonly jitterMaxMs: number,
    readonly intermittent: boolean,
  ) {
    this.periodTicks = periodMs / 1000;
  }

  /** Where a bed's first record cycle falls, in ticks from 1 to the period. */
  private baseTick(bedKey: number): number {
    return 1 + (hash32(bedKey, TAG_CYCLE) % this.periodTicks);
  }

  /** The tick of record cycle `n` of a bed: base + n periods, one tick early or late at times. */
  cycleTick(bedKey: number, n: number): number {
    const at = this.baseTick(bedKey) + n * this.periodTicks;
    if (this.periodTicks < 3) return at;
    const u = unit(bedKey, TAG_CYCLE, n);
    return at + (u < SHIFT_PROBABILITY ? -1 : u < 2 * SHIFT_PROBABILITY ? 1 : 0);
  }

  /** The record cycle whose tick is `tick`, or -1 when the bed sends nothing then. */
  cycleAt(bedKey: number, tick: number): number {
    if (this.periodTicks === 1) return tick;
    const near = Math.round((tick - this.baseTick(bedKey)) / this.periodTicks);
    // Shifts are at most one tick and cycles at least 3 apart: one candidate at most matches.
    for (let n = Math.max(0, near - 1); n <= near + 1; n++) if (this.cycleTick(bedKey, n) === tick) return n;
    return -1;
  }

  /**
   * True when a cuff measurement due at some tick in (previous record, this record] lands
   * in the record of cycle `n` at `tick`: a slow cadence never skips a measurement.
   */
  nibpDue(bedKey: number, n: number, tick: number, phaseTicks: number, everyTicks: number): boolean {
    const lo = Math.max(phaseTicks, n === 0 ? 0 : this.cycleTick(bedKey, n - 1) + 1);
    const due = phaseTicks + Math.ceil((lo - phaseTicks) / everyTicks) * everyTicks;
    return due <= tick;
  }

  /** True when `metric` is missing from the record at `tick` (intermittent profile only). */
  dropped(bedKey: number, metric: MetricId, metricIndex: number, tick: number): boolean {
    if (!this.intermittent) return false;
    const p = DROPOUT[metric];
    if (p === undefined) return false;
    // The arterial line's three pressures come and go together.
    const key = ABP.includes(metric) ? -1 : metricIndex;
    return unit(bedKey, TAG_DROP, key, tick) < p;
  }
}
