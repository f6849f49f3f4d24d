/**
 * One case of compaction-property.test.ts, generated from its seed: the readings of every
 * hospital (monitors moving beds mid-hour or to an empty bed, NIBP, thermometers, tied
 * oximeters, an empty bed), the late readings that arrive for compacted hours, the
 * re-sent copies of stored readings, and how many units each compaction run may do.
 */
import { QualityFlag } from '@wardlink/shared';
import { HOSPITALS } from '../../testing/harness.js';
import { Rng } from './property-rng.js';
import {
  CUTOFF_US, DAY_US, emit, HOUR_US, HR, INVALID_RAWS, MIN_US, NIBP_DIA, NIBP_SYS, nibpTimes, NOW_US, ODD_VALUES, oneHzTimes, placementAt,
  PULSE, SEC_US, sparseTimes, SPO2, ST_II, TEMP, type Reading, type SeriesSpec,
} from './property-streams.js';

/** batch_seq of the re-sent copies: never that of a stored reading. */
const RESENT_SEQ = 4_000_000_000_000_000;
/** batch_seq of the late readings. */
const LATE_SEQ = 3_000_000_000_000;

const keyOf = (r: Pick<Reading, 'hospital' | 'patient' | 'metric' | 't' | 'gateway' | 'device'>) =>
  `${r.hospital}\u0000${r.patient}\u0000${r.metric}\u0000${r.t}\u0000${r.gateway}\u0000${r.device}`;

export interface Case {
  seed: number;
  startUs: number;
  endUs: number;
  readings: Reading[];
  late: Reading[];
  resent: Reading[];
  firstMaxUnits: number | undefined;
  secondMaxUnits: number | undefined;
}

/** A patient id that needs COPY escaping and is not ASCII. */
const ODD_PATIENT = 'MRN\t00"42\\Zoë';

export function generateCase(seed: number): Case {
  const rng = new Rng(seed);
  const endUs = NOW_US - rng.int(1, 180) * MIN_US - rng.int(0, MIN_US);
  const startUs = endUs - 2 * DAY_US + rng.int(-3 * HOUR_US, 3 * HOUR_US);
  const readings: Reading[] = [];
  const series: SeriesSpec[] = [];
  const midHour = () => Math.floor((startUs + rng.next() * (endUs - startUs)) / HOUR_US) * HOUR_US + rng.int(5 * MIN_US, 55 * MIN_US) + rng.int(0, 999_999);

  for (const hospital of HOSPITALS) {
    const gateways = [`${hospital}-gw1`, ...(rng.chance(0.5) ? [`${hospital}-gw2`] : [])];
    const seqBase = rng.chance(0.2) ? 2 ** 40 + rng.int(0, 1e6) : rng.int(1, 1e6);
    const patients = Array.from({ length: rng.int(1, 3) }, (_, k) => (k === 1 && rng.chance(0.5) ? ODD_PATIENT : `P${k + 1}`));
    for (const [k, patient] of patients.entries()) {
      const gateway = rng.pick(gateways);
      const bed = `bed-${k + 1}`;
      const base = { hospital, gateway, lagUs: rng.chance(0.3), oneBatch: false, placement: [{ at: -Infinity, patient, bed }] };
      // The monitor: HR and SpO2 at the same instants, ST at 0.01 mV (negative, zero).
      // It moves to another bed mid-hour (the patient with it), or to an empty bed.
      const monitor = { ...base, device: `mon-${k + 1}`, placement: [...base.placement] };
      if (rng.chance(0.6)) monitor.placement.push({ at: midHour(), patient, bed: `bed-${k + 1}b` });
      if (rng.chance(0.3)) monitor.placement.push({ at: midHour(), patient: '', bed: 'bed-9' });
      monitor.placement.sort((a, b) => a.at - b.at);
      const phase = rng.pick([0, rng.int(1, 999) * 1_000, rng.int(1, 999_999)]);
      const times = oneHzTimes(rng, startUs, endUs, phase, rng.chance(0.2));
      const hr: SeriesSpec = { ...monitor, metric: HR, model: 'int', lo: 40, hi: 180 };
      const spo2: SeriesSpec = { ...monitor, metric: SPO2, model: rng.chance(0.7) ? 'int' : 'tenth', lo: 82, hi: 100 };
      const st: SeriesSpec = { ...monitor, metric: ST_II, model: 'hundredth', lo: -2.5, hi: 2.5 };
      emit(rng, hr, times, seqBase, readings);
      emit(rng, spo2, times, seqBase, readings);
      emit(rng, st, oneHzTimes(rng, startUs, endUs, phase, false), seqBase, readings);
      series.push(hr, spo2, st);
      // NIBP every 15 min: systolic and diastolic at the same instant.
      const nibp = { ...base, device: `nibp-${k + 1}` };
      const nt = nibpTimes(rng, startUs, endUs);
      const sys: SeriesSpec = { ...nibp, metric: NIBP_SYS, model: 'int', lo: 80, hi: 180 };
      const dia: SeriesSpec = { ...nibp, metric: NIBP_DIA, model: 'int', lo: 40, hi: 110 };
      emit(rng, sys, nt, seqBase + 7, readings);
      emit(rng, dia, nt, seqBase + 7, readings);
      series.push(sys, dia);
      // A thermometer at irregular µs times, one batch per day, odd floats now and then.
      if (rng.chance(0.8)) {
        const temp: SeriesSpec = { ...base, device: `temp-${k + 1}`, metric: TEMP, model: rng.chance(0.3) ? 'odd' : 'tenth', lo: 35, hi: 41, oneBatch: true, lagUs: true };
        emit(rng, temp, sparseTimes(rng, startUs, endUs), seqBase + 11, readings);
        series.push(temp);
      }
      // Two oximeters on one patient, same metric, same instants: ties in time.
      if (rng.chance(0.5)) {
        const ot = oneHzTimes(rng, startUs, endUs, 0, false);
        for (const device of ['ox-a', 'ox-\u00e9', 'ox-\uff58', 'ox-\u{1f600}']) {
          const ox: SeriesSpec = { ...base, device, metric: PULSE, model: 'int', lo: 40, hi: 180 };
          emit(rng, ox, ot, seqBase + 3, readings);
          series.push(ox);
        }
      }
    }
    // An empty bed's monitor (patient ''), in demo mode now and then.
    const empty: SeriesSpec = { hospital, gateway: gateways[0]!, device: 'mon-empty', metric: HR, model: 'int', lo: 50, hi: 120, placement: [{ at: -Infinity, patient: '', bed: 'bed-9' }], lagUs: false, oneBatch: false };
    emit(rng, empty, oneHzTimes(rng, startUs, endUs, rng.int(0, 999) * 1_000, false), seqBase, readings);
    series.push(empty);
  }

  // Late readings for compacted hours: new instants of existing series (at the hour's
  // first and last µs too), and a monitor nobody had heard from.
  const seen = new Set(readings.map(keyOf));
  const late: Reading[] = [];
  const addLate = (r: Reading) => {
    const k = keyOf(r);
    if (r.t >= CUTOFF_US || r.t < Math.floor(startUs / DAY_US) * DAY_US || seen.has(k)) return;
    seen.add(k);
    late.push(r);
  };
  const old = readings.filter((r) => r.t < CUTOFF_US);
  const lateCount = rng.int(20, 150);
  for (let i = 0; i < lateCount; i++) {
    const r = rng.pick(old);
    const hour = Math.floor(r.t / HOUR_US) * HOUR_US;
    const t = rng.pick([r.t + 1, r.t + 500_000, r.t - 1_000, r.t + rng.int(1, 59) * SEC_US, hour, hour + HOUR_US - 1]);
    const flags = rng.chance(0.8) ? 0 : rng.pick([QualityFlag.INVALID, QualityFlag.SENSOR_OFF, QualityFlag.DEMO, QualityFlag.CLOCK_SUSPECT]);
    const value = flags === QualityFlag.INVALID ? rng.pick(INVALID_RAWS) : rng.chance(0.1) ? rng.pick(ODD_VALUES) : Math.fround(r.value + 1);
    addLate({ ...r, t, value: Number.isNaN(value) ? 0 : value, flags, recv: NOW_US - rng.int(0, 3 * HOUR_US), seq: LATE_SEQ + i });
  }
  const spec = rng.pick(series);
  const lateHour = Math.floor((startUs + rng.next() * (CUTOFF_US - startUs)) / HOUR_US) * HOUR_US;
  for (let s = 0; s < 30; s++) {
    const t = lateHour + 17 * MIN_US + s * SEC_US;
    const { patient, bed } = placementAt(spec, t);
    addLate({ t, recv: NOW_US - HOUR_US + s, seq: LATE_SEQ + 9_999, value: 60 + s, metric: HR, flags: 0, hospital: spec.hospital, patient, gateway: spec.gateway, device: 'late-mon', bed });
  }

  // Re-sent copies of stored readings (same key; another batch, value, flags, receive
  // time, sometimes another bed): the stored reading must win.
  const resent: Reading[] = [];
  const stored = [...readings, ...late];
  const resentCount = rng.int(10, 80);
  for (let i = 0; i < resentCount; i++) {
    const r = rng.chance(0.8) ? rng.pick(old) : rng.pick(stored);
    resent.push({ ...r, seq: RESENT_SEQ + i, value: Math.fround(Number.isFinite(r.value) ? r.value + 1 : 7), flags: rng.chance(0.5) ? r.flags : QualityFlag.DEMO, recv: r.recv + SEC_US, bed: rng.chance(0.3) ? 'bed-other' : r.bed });
  }
  return {
    seed,
    startUs,
    endUs,
    readings,
    late,
    resent,
    firstMaxUnits: rng.chance(0.5) ? undefined : rng.int(1, 8),
    secondMaxUnits: rng.chance(0.5) ? undefined : rng.int(1, 4),
  };
}
