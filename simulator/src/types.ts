/**
 * The simulator's public data shapes. Times are UTC epoch ms by the device's own clock
 * (`deviceTimeMs`), exactly what a monitor would stamp on a record.
 */
import type { MetricId } from '@wardlink/shared';
import type { CadenceOptions } from './cadence.js';
import type { ScriptedEvent } from './script.js';

/** One record of one bedside monitor: every metric shares the record time. */
export interface DeviceRecord {
  bedId: string;
  deviceId: string;
  patientId: string;
  /** The device's record time, UTC ms, by its own (offset, drifting, jittering) clock. */
  deviceTimeMs: number;
  /** Values at monitor resolution; a flagged INVALID value keeps the raw marker (-999). */
  values: Partial<Record<MetricId, number>>;
  /** `QualityFlag` bit masks for the metrics that have any flag set. */
  flags: Partial<Record<MetricId, number>>;
  /** Set while the pulse-oximetry sensor is off: `probe-off` (off the patient) or
   * `no-sensor` (unplugged, for long sensor-off spans). Drives the ASCII status word. */
  probe?: 'probe-off' | 'no-sensor';
}

export const PHYSIOLOGICAL_KINDS = ['desaturation', 'tachycardia', 'bradycardia', 'hypotension'] as const;
export const ARTIFACT_KINDS = ['sensor-off', 'device-silent', 'motion', 'invalid-marker', 'demo'] as const;
export type PhysiologicalKind = (typeof PHYSIOLOGICAL_KINDS)[number];
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];
export type GroundTruthKind = PhysiologicalKind | ArtifactKind;

/** One scheduled episode or artifact, as ground truth for the alarm tests. */
export interface GroundTruthEvent {
  /** Stable id: `<bedId>:<kind>:<first tick>`. */
  id: string;
  bedId: string;
  deviceId: string;
  patientId: string;
  kind: GroundTruthKind;
  /** Device time of the first affected record tick (ramp-in start), UTC ms. */
  startMs: number;
  /** Device time of the last affected record tick (ramp-out end), inclusive, UTC ms. */
  endMs: number;
  /** Physiological episodes only: the plateau, where the value is held at `target`. */
  plateauStartMs?: number;
  plateauEndMs?: number;
  /** The main metric concerned; null when the whole device is concerned (silent, demo). */
  metric: MetricId | null;
  /** Every metric whose emitted values the event changes. */
  metrics: MetricId[];
  /** The plateau value aimed at (physiological episodes), before noise and rounding. */
  target?: number;
  /** The extreme value actually emitted for `metric` within [startMs, endMs] (the
   * minimum for a low condition, the maximum for tachycardia, -999 for markers);
   * null when nothing was emitted (device-silent) or there is no main metric. */
  extreme: number | null;
  /** The extreme emitted value of each affected metric (same direction as `extreme`). */
  extremes: Partial<Record<MetricId, number>>;
}

/** A maximal run of emitted samples of one metric that satisfy a predicate. */
export interface Crossing {
  /** Device time of the first satisfying sample. */
  startMs: number;
  /** Device time of the last satisfying sample (inclusive). */
  endMs: number;
  /** Device time of the sample that ended the run (a valid value no longer satisfying,
   * or a flagged value), or null when the run lasted to the end of the window or was
   * cut by a gap longer than `maxGapMs`. */
  clearedAtMs: number | null;
  /** How many samples the run holds. */
  samples: number;
  /** The lowest and highest satisfying values in the run. */
  min: number;
  max: number;
}

/** Cadence options (cadence.ts): the default is one record a second with every metric;
 * `ICU_NUMERICS_CADENCE` is what real ICU exports look like. */
export interface WardOptions extends CadenceOptions {
  beds: number;
  seed: number;
  /** When the ward starts, UTC ms: tick 0 of every bed falls within the next second. */
  startMs: number;
  /** The gateway id stamped on `Reading`s. Default `gw-sim-01`. */
  gatewayId?: string;
  /** NIBP cadence per bed, a whole number of seconds in ms. Default 15 min. */
  nibpIntervalMs?: number;
  /** Schedule deterioration episodes. Default true. */
  episodes?: boolean;
  /** Schedule artifacts (motion, sensor-off, silence, markers, demo). Default true. */
  artifacts?: boolean;
  /** Events placed at a known second on a known bed, over the seeded schedule (script.ts):
   * a demo's desaturation or unplugged monitor in its first minute. Default none. */
  script?: readonly ScriptedEvent[];
  /** How many 10-minute bed chunks of generated values to keep cached. Default 256
   * (about 19 MB). Raise it to `beds * 36` when sweeping 6 h many times (alarm tests). */
  cacheChunks?: number;
}

/** One bed, its monitor and its patient, with the traits that shape its data. */
export interface BedInfo {
  index: number;
  bedId: string;
  deviceId: string;
  patientId: string;
  hasAbp: boolean;
  hasEtco2: boolean;
}
