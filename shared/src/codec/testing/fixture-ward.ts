/**
 * A small, seeded, realistic ward for the codec's tests. It lives here, not in the
 * simulator package, because the simulator sits above shared (it imports it) and shared
 * imports nothing above it. Same shape as the simulator's
 * `createWard(...).readingsBetween(from, to)`.
 *
 * What makes it realistic for a codec: one record per device per second carrying 8
 * metrics that share the record's device time and receive time; device clocks with an
 * offset, a drift and tens of ms of jitter; network latency on receive times; values at
 * monitor resolution (integer HR/SpO2, temperature 0.1, PI 0.01) following mean-reverting
 * random walks with motion artifacts; NIBP every 15 minutes; sensor-off gaps sent as
 * -999 flagged INVALID|SENSOR_OFF; rare invalid markers; a bed without a patient in demo mode.
 */
import type { MetricId } from '../../catalog/metrics.js';
import { QualityFlag, type Reading } from '../../types.js';

export interface FixtureWardOptions {
  beds: number;
  seed: number;
  startMs: number;
  gatewayId?: string;
}

export interface FixtureWard {
  /** Readings of the records emitted in [fromMs, toMs), in gateway arrival order. Calls must be contiguous. */
  readingsBetween(fromMs: number, toMs: number): Reading[];
}

/** mulberry32: tiny, fast, good enough for fixtures. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Vital {
  metric: MetricId;
  value: number;
  baseline: number;
  /** Pull back to baseline per second (0..1). */
  reversion: number;
  noise: number;
  step: number;
  min: number;
  max: number;
}

interface Bed {
  deviceId: string;
  bedId: string;
  patientId: string | null;
  demo: boolean;
  phaseMs: number;
  offsetMs: number;
  driftPpm: number;
  nextTick: number;
  vitals: Vital[];
  nibpPhaseS: number;
  sensorOffUntil: number;
  artifactUntil: number;
}

const NIBP_PERIOD_S = 15 * 60;

export function createFixtureWard(opts: FixtureWardOptions): FixtureWard {
  const rnd = seededRandom(opts.seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const gatewayId = opts.gatewayId ?? 'gw-ward-1';
  const vital = (metric: MetricId, baseline: number, noise: number, step: number, min: number, max: number, reversion = 0.05): Vital => ({
    metric, value: baseline, baseline, reversion, noise, step, min, max,
  });
  const beds: Bed[] = Array.from({ length: opts.beds }, (_, i) => {
    const n = String(i + 1).padStart(2, '0');
    const hr = 60 + rnd() * 40;
    return {
      deviceId: `mon-${n}`,
      bedId: `bed-${n}`,
      patientId: i === 7 ? null : `pat-${(100_000 + Math.floor(rnd() * 900_000)).toString(36)}`,
      demo: i === 7,
      phaseMs: Math.floor(rnd() * 1000),
      offsetMs: Math.round((rnd() - 0.5) * 3000),
      driftPpm: (rnd() - 0.5) * 80,
      nextTick: 0,
      nibpPhaseS: Math.floor(rnd() * NIBP_PERIOD_S),
      sensorOffUntil: -1,
      artifactUntil: -1,
      vitals: [
        vital('HR', hr, 1.2, 1, 30, 220),
        vital('PR', hr, 1.2, 1, 30, 220),
        vital('SPO2', 94 + rnd() * 5, 0.3, 1, 70, 100),
        vital('PI', 1 + rnd() * 4, 0.03, 0.01, 0.05, 20, 0.02),
        vital('RR', 12 + rnd() * 8, 0.5, 1, 4, 50),
        vital('ETCO2', 35 + rnd() * 8, 0.4, 1, 10, 80),
        vital('TEMP', 36.3 + rnd() * 1.2, 0.01, 0.1, 34, 42, 0.001),
        vital('ABP_MEAN', 75 + rnd() * 20, 0.8, 1, 40, 150),
      ],
    };
  });

  function tickReadings(bed: Bed, tick: number, startMs: number, out: Reading[]): void {
    const trueMs = startMs + bed.phaseMs + tick * 1000;
    const drift = Math.round(((tick * 1000) * bed.driftPpm) / 1e6);
    const deviceTimeMs = trueMs + bed.offsetMs + drift + Math.round(gauss() * 15);
    const receivedAtMs = trueMs + 5 + Math.round(-Math.log(1 - rnd()) * 12);
    if (bed.sensorOffUntil < tick && rnd() < 1 / 1800) bed.sensorOffUntil = tick + 5 + Math.floor(rnd() * 115);
    if (bed.artifactUntil < tick && rnd() < 1 / 600) bed.artifactUntil = tick + 2 + Math.floor(rnd() * 6);
    const sensorOff = tick <= bed.sensorOffUntil;
    const artifact = tick <= bed.artifactUntil;
    // One literal shape for every reading (spread-built objects are ~10x slower to read in V8).
    const reading = (metric: MetricId, value: number, flags: number): Reading => ({
      gatewayId, deviceId: bed.deviceId, bedId: bed.bedId, patientId: bed.patientId, metric, deviceTimeMs, receivedAtMs, value, flags,
    });
    const demoFlag = bed.demo ? QualityFlag.DEMO : 0;
    for (const v of bed.vitals) {
      v.value += (v.baseline - v.value) * v.reversion + gauss() * v.noise;
      v.value = Math.min(v.max, Math.max(v.min, v.value));
      const oximetry = v.metric === 'SPO2' || v.metric === 'PI' || v.metric === 'PR';
      let value = Math.round(v.value / v.step) / Math.round(1 / v.step);
      let flags = demoFlag;
      if (oximetry && sensorOff) {
        value = -999;
        flags |= QualityFlag.INVALID | QualityFlag.SENSOR_OFF;
      } else if (rnd() < 1e-4) {
        value = -999;
        flags |= QualityFlag.INVALID;
      } else if (artifact && (v.metric === 'HR' || v.metric === 'PR')) {
        value = Math.round(v.value + 20 + rnd() * 30);
      }
      out.push(reading(v.metric, value, flags));
    }
    if ((tick + bed.nibpPhaseS) % NIBP_PERIOD_S === 0) {
      const sys = Math.round(100 + rnd() * 50);
      const dia = Math.round(sys * (0.55 + rnd() * 0.1));
      out.push(reading('NIBP_SYS', sys, demoFlag));
      out.push(reading('NIBP_DIA', dia, demoFlag));
      out.push(reading('NIBP_MEAN', Math.round((sys + 2 * dia) / 3), demoFlag));
    }
  }

  return {
    readingsBetween(fromMs, toMs) {
      const out: Reading[] = [];
      for (const bed of beds) {
        // Ticks are scheduled on true time; a record belongs to the window of its true time.
        while (opts.startMs + bed.phaseMs + bed.nextTick * 1000 < toMs) {
          if (opts.startMs + bed.phaseMs + bed.nextTick * 1000 >= fromMs) tickReadings(bed, bed.nextTick, opts.startMs, out);
          bed.nextTick++;
        }
      }
      // The gateway sees records in arrival order.
      return out.sort((a, b) => a.receivedAtMs - b.receivedAtMs);
    },
  };
}
