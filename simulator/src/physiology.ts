/**
 * One bed's values at one tick: baseline plus noise, shaped by the event (if any) that
 * touches the bed at that tick. A pure function of (bed, tick, event), so any window
 * can be generated on its own.
 *
 * Correlations a clinician would expect: PR tracks HR; mean pressure is
 * DIA + (SYS - DIA) / 3; a desaturation raises HR and RR a little; fever raises HR and
 * RR; hypotension raises HR and lowers perfusion. Noise bounds (documented per metric)
 * keep a patient outside an episode within adult limits.
 */
import { QualityFlag, type MetricId } from '@wardlink/shared';
import type { BedTraits } from './beds.js';
import { IDX, INVALID_MARKER, METRIC_COUNT } from './metric-index.js';
import { signedUnit, valueNoise } from './prng.js';
import { atResolution } from './resolution.js';
import { episodeWeight, type PlannedEvent } from './schedule.js';

/** Noise channels: indexes into BedTraits.noiseKeys. */
const CH = {
  spo2Slow: 0, spo2Med: 1, spo2Fast: 2,
  hrSlow: 3, hrMed: 4, hrFast: 5, prFast: 6,
  rrSlow: 7, rrFast: 8,
  bpSlow: 9, bpMed: 10, abpSysFast: 11, diaSlow: 12, abpDiaFast: 13, nibpSys: 14, nibpDia: 15,
  tempSlow: 16, tempMed: 17, piSlow: 18, piFast: 19, etco2Slow: 20, etco2Fast: 21, motion: 22,
} as const;

/** Per-tick output: `values[base + IDX[m]]` (NaN when absent) and the flag masks. */
export interface TickRow {
  values: Float64Array;
  flags: Uint8Array;
  base: number;
}

function lerp(a: number, b: number, w: number): number {
  return a + (b - a) * w;
}

function feverAt(bed: BedTraits, tick: number): number {
  const f = bed.fever;
  if (!f || tick <= f.onsetTick) return 0;
  const x = Math.min(1, (tick - f.onsetTick) / f.riseTicks);
  return f.amplitudeC * x * x * (3 - 2 * x);
}

function put(row: TickRow, metric: MetricId, value: number, flags = 0): void {
  row.values[row.base + IDX[metric]] = atResolution(metric, value);
  row.flags[row.base + IDX[metric]] = flags;
}

function putPressures(row: TickRow, prefix: 'NIBP' | 'ABP', sys: number, dia: number, flags = 0): void {
  const s = Math.round(sys);
  const d = Math.round(dia);
  put(row, `${prefix}_SYS`, s, flags);
  put(row, `${prefix}_DIA`, d, flags);
  put(row, `${prefix}_MEAN`, d + (s - d) / 3, flags);
}

/** Fills `row` with absent values; then the fill functions write what the record carries. */
export function clearRow(row: TickRow): void {
  for (let m = 0; m < METRIC_COUNT; m++) {
    row.values[row.base + m] = Number.NaN;
    row.flags[row.base + m] = 0;
  }
}

/** A monitor in demo mode plays a canned loop, including a fake desaturation. */
function fillDemo(bed: BedTraits, tick: number, event: PlannedEvent, nibpDue: boolean, row: TickRow): void {
  const phase = ((tick - event.startTick) % 120) / 60;
  const tri = phase <= 1 ? phase : 2 - phase;
  const demo = QualityFlag.DEMO;
  put(row, 'HR', 60 + 30 * tri, demo);
  put(row, 'PR', 60 + 30 * tri, demo);
  put(row, 'SPO2', 98 - 12 * tri, demo);
  put(row, 'PI', 5, demo);
  put(row, 'RR', 14 + 4 * tri, demo);
  put(row, 'TEMP', 37, demo);
  if (bed.hasEtco2) put(row, 'ETCO2', 38, demo);
  if (bed.hasAbp) putPressures(row, 'ABP', 120, 80, demo);
  if (nibpDue) putPressures(row, 'NIBP', 120, 80, demo);
}

/**
 * Writes the values of `bed` at `tick` into `row`. `event` is the event covering the
 * tick, if any (device-silent ticks are never asked for).
 */
export function fillTick(bed: BedTraits, tick: number, event: PlannedEvent | null, nibpDue: boolean, row: TickRow): void {
  clearRow(row);
  if (event?.kind === 'demo') return fillDemo(bed, tick, event, nibpDue, row);
  const k = bed.noiseKeys;
  const kind = event?.kind;
  const w = event && kind !== 'motion' ? episodeWeight(event, tick) : 0;
  const fever = feverAt(bed, tick);

  // SpO2: noise within +-1.7, so a 95 % baseline never reads below 93.
  const spo2Core = kind === 'desaturation' ? lerp(bed.spo2Base, event!.target, w) : bed.spo2Base;
  let spo2 = spo2Core + valueNoise(k[CH.spo2Slow]!, tick, 900) + 0.4 * valueNoise(k[CH.spo2Med]!, tick, 60) + 0.3 * signedUnit(k[CH.spo2Fast]!, tick);

  // HR: relative noise within +-7 %; fever adds 8 bpm per degree.
  let hrCore = bed.hrBase + 8 * fever;
  if (kind === 'desaturation') hrCore += 0.6 * (bed.spo2Base - spo2Core);
  if (kind === 'hypotension') hrCore += 10 * w;
  if (kind === 'tachycardia' || kind === 'bradycardia') hrCore = lerp(hrCore, event!.target, w);
  const hrNoise = 0.04 * valueNoise(k[CH.hrSlow]!, tick, 600) + 0.02 * valueNoise(k[CH.hrMed]!, tick, 45) + 0.01 * signedUnit(k[CH.hrFast]!, tick);
  const hr = hrCore * (1 + hrNoise);
  let pr = hr + 1.5 * signedUnit(k[CH.prFast]!, tick);

  // RR: noise within +-2.7.
  let rr = bed.rrBase + 1.5 * fever + 1.5 * valueNoise(k[CH.rrSlow]!, tick, 300) + 1.2 * signedUnit(k[CH.rrFast]!, tick);
  if (kind === 'desaturation') rr += 4 * w;
  if (kind === 'tachycardia') rr += 3 * w;

  // Blood pressure: the slow arterial pressure (+-4) that both the arterial line
  // (+-2 beat to beat) and the cuff (+-3 per measurement) read.
  const sysCore = (kind === 'hypotension' ? lerp(bed.sysBase, event!.target, w) : bed.sysBase)
    + 3 * valueNoise(k[CH.bpSlow]!, tick, 1200) + valueNoise(k[CH.bpMed]!, tick, 120);
  const diaCore = sysCore * bed.diaRatio + 2 * valueNoise(k[CH.diaSlow]!, tick, 900);

  const temp = bed.tempBase + 0.25 * valueNoise(k[CH.tempSlow]!, tick, 7200) + 0.05 * valueNoise(k[CH.tempMed]!, tick, 600) + fever;
  let pi = bed.piBase * (1 + 0.15 * valueNoise(k[CH.piSlow]!, tick, 600) + 0.05 * signedUnit(k[CH.piFast]!, tick));
  if (kind === 'hypotension') pi *= 1 - 0.5 * w;
  const etco2 = bed.etco2Base + 1.5 * valueNoise(k[CH.etco2Slow]!, tick, 600) + signedUnit(k[CH.etco2Fast]!, tick);

  if (kind === 'motion') {
    // A brief, unflagged artifact: the pleth is garbage for a few seconds.
    const n = event!.endTick - event!.startTick + 1;
    spo2 -= event!.target * Math.sin((Math.PI * (tick - event!.startTick + 1)) / (n + 1));
    pr += 40 * signedUnit(k[CH.motion]!, tick);
    pi *= 0.5;
  }

  put(row, 'HR', hr);
  put(row, 'PR', pr);
  put(row, 'SPO2', Math.max(50, Math.min(100, spo2)));
  put(row, 'PI', Math.max(0.02, pi));
  put(row, 'RR', rr);
  put(row, 'TEMP', temp);
  if (bed.hasEtco2) put(row, 'ETCO2', etco2);
  if (bed.hasAbp) putPressures(row, 'ABP', sysCore + 2 * signedUnit(k[CH.abpSysFast]!, tick), diaCore + 1.5 * signedUnit(k[CH.abpDiaFast]!, tick));
  if (nibpDue) putPressures(row, 'NIBP', sysCore + 3 * signedUnit(k[CH.nibpSys]!, tick), diaCore + 2.5 * signedUnit(k[CH.nibpDia]!, tick));

  if (kind === 'sensor-off') {
    const off = QualityFlag.SENSOR_OFF | QualityFlag.INVALID;
    for (const m of ['SPO2', 'PR', 'PI'] as const) put(row, m, INVALID_MARKER, off);
  } else if (kind === 'invalid-marker') {
    put(row, event!.marker!, INVALID_MARKER, QualityFlag.INVALID);
  }
}
