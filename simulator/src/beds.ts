/**
 * A ward's beds: ids, each patient's own baselines, the monitor's options (arterial
 * line, capnography) and its clock. Drawn once per bed from the ward seed.
 *
 * Baselines are chosen so that, with the noise in physiology.ts, a patient outside an
 * episode stays inside typical adult limits (HR 50-120, SpO2 >= 90, RR 8-30, systolic
 * 90-160); the ground-truth test checks that over 6 h of 50 beds.
 */
import { CLOCK_DRIFT_MAX_PPM, CLOCK_OFFSET_MAX_MS, JITTER_MAX_MS, type DeviceClock } from './device-clock.js';
import { between, hash32, intBetween, logBetween, mulberry32 } from './prng.js';
import type { BedInfo } from './types.js';

export interface Fever {
  onsetTick: number;
  riseTicks: number;
  amplitudeC: number;
}

export interface BedTraits extends BedInfo {
  hrBase: number;
  spo2Base: number;
  rrBase: number;
  sysBase: number;
  /** Diastolic as a share of systolic. */
  diaRatio: number;
  tempBase: number;
  piBase: number;
  etco2Base: number;
  /** A slow fever that develops in some patients (temperature drift, raising HR). */
  fever: Fever | null;
  clock: DeviceClock;
  /** The tick of this bed's first NIBP measurement; cycles are staggered across beds. */
  nibpPhaseTicks: number;
  /** Keys for the counter-based noise channels (see physiology.ts). */
  noiseKeys: Uint32Array;
}

export const NOISE_CHANNELS = 24;
const TAG_BED = 0x6265_6473;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

export function bedIdOf(index: number, beds: number): string {
  return `bed-${pad(index + 1, Math.max(2, String(beds).length))}`;
}

export function createBeds(seed: number, beds: number, nibpIntervalTicks: number, jitterMaxMs = JITTER_MAX_MS): BedTraits[] {
  const out: BedTraits[] = [];
  for (let index = 0; index < beds; index++) {
    const rng = mulberry32(hash32(seed, index, TAG_BED));
    const bedId = bedIdOf(index, beds);
    const hasFever = rng() < 0.25;
    const fever = {
      onsetTick: intBetween(rng, 1800, 10 * 3600),
      riseTicks: intBetween(rng, 3600, 3 * 3600),
      amplitudeC: between(rng, 0.5, 1.3),
    };
    const noiseBase = hash32(seed, index, TAG_BED, 1);
    const noiseKeys = new Uint32Array(NOISE_CHANNELS);
    for (let c = 0; c < NOISE_CHANNELS; c++) noiseKeys[c] = hash32(noiseBase, c);
    out.push({
      index,
      bedId,
      deviceId: `mon-${bedId}`,
      patientId: `P${pad(index + 1, 4)}`,
      hasAbp: rng() < 0.3,
      hasEtco2: rng() < 0.8,
      hrBase: between(rng, 60, 88),
      spo2Base: between(rng, 95, 98.5),
      rrBase: between(rng, 12, 19),
      sysBase: between(rng, 106, 136),
      diaRatio: between(rng, 0.56, 0.66),
      tempBase: between(rng, 36.4, 37.1),
      piBase: logBetween(rng, 0.9, 5),
      etco2Base: between(rng, 34, 41),
      fever: hasFever ? fever : null,
      clock: {
        phaseMs: intBetween(rng, 0, 999),
        offsetMs: intBetween(rng, -CLOCK_OFFSET_MAX_MS, CLOCK_OFFSET_MAX_MS),
        driftPpm: between(rng, -CLOCK_DRIFT_MAX_PPM, CLOCK_DRIFT_MAX_PPM),
        jitterKey: hash32(seed, index, TAG_BED, 2),
        jitterMaxMs,
      },
      // Spread evenly over the cycle, so the ward's NIBP cuffs do not all inflate at once.
      nibpPhaseTicks: Math.floor(((index + rng()) * nibpIntervalTicks) / beds) % nibpIntervalTicks,
      noiseKeys,
    });
  }
  return out;
}
