/**
 * Property: compaction changes no answer. On random streams (1 Hz series with gaps, NIBP
 * every 15 minutes, values at resolution 1, 0.1 and 0.01 and arbitrary float4s, negative
 * values and zero, every quality flag, CLOCK_SUSPECT readings whose received_at is days
 * off, an empty bed, a monitor moving beds mid-hour, microsecond times, receive lags
 * beyond the 32 s of lag16) the read queries of storage/queries.ts (history, reports,
 * latest values) and every reading of vital_readings_of_hospital answer the same over
 * rows only as over rows and blocks: after a first compaction (sometimes stopped after a
 * few units, leaving part of the data as rows), after late readings and re-sent copies of
 * stored readings arrive and are merged, and through the archive and a restore.
 *
 * The expected answers are the queries' own answers while every reading is a row, so
 * the test needs no model of the queries. Seeded: each case prints its seed; rerun one
 * with WL_COMPACTION_SEEDS=<seed>[,<seed>...] (WL_COMPACTION_CASES=n for more cases).
 * fast-check is a dependency of the workspace but not used: a case is a few seconds of
 * PostgreSQL work, which shrinking would repeat hundreds of times, and a seed
 * reproduces a case as well.
 *
 * The last describe block holds the smallest reproductions of what the property found
 * wrong (fixed since): a -0 value, and ids that sort differently in UTF-16 and UTF-8.
 * A re-sent copy of a compacted reading is refused by the loader (ingest/loader.test.ts).
 */
import type pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { QualityFlag } from '@wardlink/shared';
import { NOT_PHYSIOLOGY } from '../../storage/not-physiology.js';
import { ensurePartitions, forgetKnownPartitions } from '../../storage/partitions.js';
import { HISTORY_SQL, LATEST_FOR_PATIENT_FROM_HISTORY_SQL, REPORT_SQL } from '../../storage/queries.js';
import { DAY_MS, isoDate } from '../../storage/utc-days.js';
import { useLifecycleDatabase } from '../testing/db.js';
import { addHospitals, createHarness, HOSPITALS, NOW, type Harness } from '../testing/harness.js';
import { restoreRange } from '../restore.js';
import { runRetention } from '../retention.js';
import { runCompaction, type CompactionOptions, type CompactionResult } from './compaction-job.js';

// ---------------------------------------------------------------------------------------
// Seeds

const BASE_SEED = 0x5eed_c0de;
const CASES = Number(process.env.WL_COMPACTION_CASES ?? 8);
const SEEDS: number[] = process.env.WL_COMPACTION_SEEDS
  ? process.env.WL_COMPACTION_SEEDS.split(',').map((s) => Number(s.trim()) >>> 0)
  : Array.from({ length: CASES }, (_, i) => (BASE_SEED + Math.imul(i, 0x9e37_79b9)) >>> 0);
const ARCHIVE_SEED = (BASE_SEED ^ 0xa5c4_1e5a) >>> 0;

/** mulberry32: small, fast and good enough to pick test data. */
class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b_79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.next() * xs.length)]!;
  }
}

// ---------------------------------------------------------------------------------------
// Random streams

const SEC_US = 1_000_000;
const MIN_US = 60 * SEC_US;
const HOUR_US = 3_600 * SEC_US;
const DAY_US = DAY_MS * 1_000;
const NOW_US = NOW * 1_000;
/** The job's default grace (settings.compactAfterMs): hours before this are compacted. */
const CUTOFF_US = Math.floor((NOW_US - 10 * MIN_US) / HOUR_US) * HOUR_US;

const HR = 147842;
const SPO2 = 150456;
const PULSE = 149530;
const ST_II = 131842;
const NIBP_SYS = 150301;
const NIBP_DIA = 150302;
const TEMP = 150364;
const NOT_A_METRIC = 999_999;

/** batch_seq of the re-sent copies: never that of a stored reading. */
const RESENT_SEQ = 4_000_000_000_000_000;
/** batch_seq of the late readings. */
const LATE_SEQ = 3_000_000_000_000;

interface Reading {
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

const keyOf = (r: Pick<Reading, 'hospital' | 'patient' | 'metric' | 't' | 'gateway' | 'device'>) =>
  `${r.hospital}\u0000${r.patient}\u0000${r.metric}\u0000${r.t}\u0000${r.gateway}\u0000${r.device}`;

/** Floats no monitor sends (no short decimal, or too many digits for any v_scale). */
const ODD_VALUES = [1 / 3, 2 / 3, 0.1 + 0.2, 1e-7, 123_456.78, -98_765.43, 3.4e38, 1.5e-45, 7 / 9, 16_777_217, -2_147_483.6].map(Math.fround);
/** Raw values an INVALID reading keeps (the codec carries them exactly). */
const INVALID_RAWS = [-999, -100, 0, 1e6, 6_553.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0].map(Math.fround);

type ValueModel = 'int' | 'tenth' | 'hundredth' | 'odd';

interface SeriesSpec {
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

interface Case {
  seed: number;
  startUs: number;
  endUs: number;
  readings: Reading[];
  late: Reading[];
  resent: Reading[];
  firstMaxUnits: number | undefined;
  secondMaxUnits: number | undefined;
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

function placementAt(spec: SeriesSpec, t: number): { patient: string; bed: string } {
  let p = spec.placement[0]!;
  for (const q of spec.placement) if (q.at <= t) p = q;
  return p;
}

/** 1 Hz segments (a monitor connected now and then), with dropouts. */
function oneHzTimes(rng: Rng, startUs: number, endUs: number, phaseUs: number, jitter: boolean): number[] {
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

function nibpTimes(rng: Rng, startUs: number, endUs: number): number[] {
  const out: number[] = [];
  for (let t = startUs - (startUs % SEC_US) + rng.int(0, 899) * SEC_US; t < endUs; t += 15 * MIN_US) {
    if (!rng.chance(0.1)) out.push(t + rng.int(-2, 2) * SEC_US);
  }
  return out.filter((t) => t >= startUs && t < endUs);
}

/** Irregular times in whole µs, with gaps longer than int4 µs (35.8 min) now and then. */
function sparseTimes(rng: Rng, startUs: number, endUs: number): number[] {
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
function emit(rng: Rng, spec: SeriesSpec, times: number[], seqBase: number, out: Reading[]): void {
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

/** A patient id that needs COPY escaping and is not ASCII. */
const ODD_PATIENT = 'MRN\t00"42\\Zoë';

function generateCase(seed: number): Case {
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

// ---------------------------------------------------------------------------------------
// Database helpers

/** "YYYY-MM-DDTHH:MM:SS.uuuuuuZ" of µs since the epoch. */
function isoUs(us: number): string {
  const ms = Math.floor(us / 1_000);
  return `${new Date(ms).toISOString().slice(0, -1)}${String(us - ms * 1_000).padStart(3, '0')}Z`;
}

/** The text PostgreSQL's real input reads back as this very float4 (-0, NaN, infinities included). */
function float4Text(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return 'Infinity';
  if (v === Number.NEGATIVE_INFINITY) return '-Infinity';
  return Object.is(v, -0) ? '-0' : String(v);
}

/** A plain table of the readings every answer should be over (rows, one per key). */
const EXPECTED = 'prop_expected';

const COLUMNS = 't, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id';

/** Inserts readings (ON CONFLICT DO NOTHING, as ingest does); returns how many went in. */
async function insertReadings(pool: pg.Pool, table: string, rs: readonly Reading[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < rs.length; i += 20_000) {
    const chunk = rs.slice(i, i + 20_000);
    const res = await pool.query(
      `INSERT INTO ${table} (${COLUMNS})
       SELECT * FROM unnest($1::timestamptz[], $2::timestamptz[], $3::bigint[], $4::real[], $5::int[], $6::smallint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       ON CONFLICT DO NOTHING`,
      [
        chunk.map((r) => isoUs(r.t)),
        chunk.map((r) => isoUs(r.recv)),
        chunk.map((r) => String(r.seq)),
        chunk.map((r) => float4Text(r.value)),
        chunk.map((r) => r.metric),
        chunk.map((r) => r.flags),
        chunk.map((r) => r.hospital),
        chunk.map((r) => r.patient),
        chunk.map((r) => r.gateway),
        chunk.map((r) => r.device),
        chunk.map((r) => r.bed),
      ],
    );
    inserted += res.rowCount ?? 0;
  }
  return inserted;
}

async function deleteReadings(pool: pg.Pool, rs: readonly Reading[]): Promise<void> {
  await pool.query(
    `DELETE FROM vital_data WHERE (hospital_id, patient_id, metric, t, gateway_id, device_id) IN
       (SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::text[], $6::text[]))`,
    [rs.map((r) => r.hospital), rs.map((r) => r.patient), rs.map((r) => r.metric), rs.map((r) => isoUs(r.t)), rs.map((r) => r.gateway), rs.map((r) => r.device)],
  );
}

/** Every column as the text PostgreSQL sends: exact (float4 digits, µs), nothing parsed. */
const RAW_TEXT = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

async function rawQuery(pool: pg.Pool, text: string, values: unknown[]): Promise<Array<Record<string, string | null>>> {
  const res = await pool.query<Record<string, string | null>>({ text, values, types: RAW_TEXT });
  return res.rows;
}

/** µs since the epoch of a timestamptz as PostgreSQL prints it ("2030-06-13 23:59:59.5+00"). */
function tsUs(text: string): number {
  const m = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?([+-])(\d\d)(?::(\d\d))?(?::(\d\d))?$/.exec(text);
  if (!m) throw new Error(`unexpected timestamptz text ${text}`);
  const offsetS = (m[4] === '-' ? -1 : 1) * (Number(m[5]) * 3_600 + Number(m[6] ?? 0) * 60 + Number(m[7] ?? 0));
  return (Date.parse(`${m[1]}T${m[2]}Z`) - offsetS * 1_000) * 1_000 + Number((m[3] ?? '').padEnd(6, '0'));
}

/**
 * Count and md5 of readings, every column exact, in a total order. (Not the harness's
 * fingerprint(): its float sum depends on the order of the additions, which with values
 * up to 3.4e38 shows in the digits it keeps.)
 */
function digestSql(from: string): string {
  return `SELECT count(*)::int AS n, coalesce(md5(string_agg(concat_ws('|',
      (extract(epoch FROM t) * 1000000)::bigint, (extract(epoch FROM received_at) * 1000000)::bigint, batch_seq, value::text, metric, flags,
      quote_literal(hospital_id), quote_literal(patient_id), quote_literal(gateway_id), quote_literal(device_id), quote_literal(bed_id)),
    ',' ORDER BY hospital_id, patient_id, metric, t, gateway_id, device_id, bed_id, batch_seq)), '') AS md5
    FROM ${from}`;
}

async function digest(pool: pg.Pool, from: string, values: unknown[] = []): Promise<{ n: number; md5: string }> {
  const res = await pool.query<{ n: number; md5: string }>(digestSql(from), values);
  return res.rows[0]!;
}

const BOTH_TIERS = `(${HOSPITALS.map((h) => `SELECT * FROM vital_readings_of_hospital('${h}', '2000-01-01', '2100-01-01')`).join(' UNION ALL ')}) x`;

// ---------------------------------------------------------------------------------------
// The questions asked, and their answers

type Range = [from: number, to: number];

interface Questions {
  history: Array<{ hospital: string; patient: string; metric: number; range: Range }>;
  report: Array<{ hospital: string; range: Range; bucket: '1 hour' | '1 day'; mask: number }>;
  latest: Array<{ hospital: string; patient: string; metrics: number[]; range: Range }>;
  readings: Array<{ hospital: string; range: Range }>;
}

function questionsFor(c: Case): Questions {
  const rng = new Rng(c.seed ^ 0x51ed_2701);
  const all = [...c.readings, ...c.late];
  const { startUs, endUs } = c;
  const midnight = Math.ceil(startUs / DAY_US) * DAY_US + DAY_US * rng.int(0, Math.max(0, Math.floor((endUs - startUs) / DAY_US) - 1));
  const anyInstant = () => startUs + rng.int(0, endUs - startUs);
  const full: Range = [startUs - HOUR_US, NOW_US + HOUR_US];
  const acrossMidnight: Range = [midnight - rng.int(1, 5 * HOUR_US), midnight + rng.int(1, 5 * HOUR_US)];
  const a = anyInstant();
  const midHours: Range = [a, a + rng.int(MIN_US, 20 * HOUR_US)];
  const b = Math.floor(anyInstant() / HOUR_US) * HOUR_US;
  const fewHours: Range = [b + rng.int(1, 59) * MIN_US + rng.int(0, 999_999), b + rng.int(1, 3) * HOUR_US + rng.int(0, 59) * MIN_US];
  const caseRanges = [full, acrossMidnight, midHours, fewHours];

  const metricsOf = new Map<string, Set<number>>();
  const readingsOf = new Map<string, Reading[]>();
  for (const r of all) {
    const p = `${r.hospital}\u0000${r.patient}`;
    if (!metricsOf.has(p)) metricsOf.set(p, new Set());
    metricsOf.get(p)!.add(r.metric);
    const s = `${p}\u0000${r.metric}`;
    if (!readingsOf.has(s)) readingsOf.set(s, []);
    readingsOf.get(s)!.push(r);
  }
  const q: Questions = { history: [], report: [], latest: [], readings: [] };
  for (const [p, metrics] of metricsOf) {
    const [hospital, patient] = p.split('\u0000') as [string, string];
    for (const metric of [...metrics, NOT_A_METRIC]) {
      // Bounds on readings' own instants: from is inclusive, to exclusive.
      const own = readingsOf.get(`${p}\u0000${metric}`) ?? [];
      const onReadings: Range | undefined = own.length > 1 ? ([rng.pick(own).t, rng.pick(own).t].sort((x, y) => x - y) as Range) : undefined;
      for (const range of [full, acrossMidnight, ...(onReadings ? [onReadings] : [])]) q.history.push({ hospital, patient, metric, range });
    }
    for (const range of caseRanges) q.latest.push({ hospital, patient, metrics: [...metrics, NOT_A_METRIC].sort((x, y) => x - y), range });
  }
  const firstDay = Math.floor(startUs / DAY_US);
  const lastDay = Math.floor(endUs / DAY_US);
  const weekStart = Math.floor((startUs - Date.UTC(2000, 0, 3) * 1_000) / (7 * DAY_US)) * 7 * DAY_US + Date.UTC(2000, 0, 3) * 1_000;
  for (const hospital of HOSPITALS) {
    for (const mask of [NOT_PHYSIOLOGY, 0, QualityFlag.CLOCK_SUSPECT | QualityFlag.SENSOR_OFF]) {
      for (let d = firstDay; d <= lastDay; d++) q.report.push({ hospital, range: [d * DAY_US, (d + 1) * DAY_US], bucket: '1 hour', mask });
      q.report.push({ hospital, range: midHours, bucket: '1 hour', mask });
      q.report.push({ hospital, range: [weekStart, weekStart + 14 * DAY_US], bucket: '1 day', mask });
      q.report.push({ hospital, range: acrossMidnight, bucket: '1 day', mask });
    }
    for (const range of caseRanges) q.readings.push({ hospital, range });
  }
  return q;
}

interface ReportRow {
  key: string;
  exact: string;
  avg: string | null;
}

interface LatestRow {
  metric: string;
  t: string;
  value: string;
  flags: string;
}

interface Answers {
  history: string[][][];
  report: ReportRow[][];
  latest: LatestRow[][];
  readings: Array<{ n: number; md5: string }>;
}

/** Runs `tasks` a few at a time (the pool's connections), keeping their order. */
async function inParallel<T>(tasks: Array<() => Promise<T>>, width = 4): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < tasks.length) {
        const i = next++;
        out[i] = await tasks[i]!();
      }
    }),
  );
  return out;
}

async function answer(pool: pg.Pool, q: Questions): Promise<Answers> {
  const history = inParallel(
    q.history.map((h) => async () => {
      const rows = await rawQuery(pool, HISTORY_SQL, [h.hospital, h.patient, h.metric, isoUs(h.range[0]), isoUs(h.range[1])]);
      const out = rows.map((r) => [String(tsUs(r.t!)), r.value!, r.flags!, String(tsUs(r.received_at!))]);
      // Oldest first is the query's promise; among readings of one instant (two devices)
      // no order is, so those are compared as a set.
      for (let i = 1; i < out.length; i++) if (Number(out[i]![0]) < Number(out[i - 1]![0])) throw new Error(`history not in time order: ${JSON.stringify(h)}`);
      return out.sort((x, y) => Number(x[0]) - Number(y[0]) || (x.join() < y.join() ? -1 : x.join() > y.join() ? 1 : 0));
    }),
  );
  const report = inParallel(
    q.report.map((r) => async () => {
      const rows = await rawQuery(pool, REPORT_SQL, [r.hospital, isoUs(r.range[0]), isoUs(r.range[1]), r.bucket, r.mask]);
      // min and max of {0, -0} may be either: PostgreSQL's min() keeps whichever of two
      // equal values comes last, so the answer follows scan order; both are zero.
      const zero = (v: string | null | undefined) => (v === '-0' ? '0' : v);
      return rows.map((x) => ({ key: `${x.patient_id}|${x.metric}|${tsUs(x.bucket!)}`, exact: `${x.count}|${x.flagged}|${x.measured}|${zero(x.min)}|${zero(x.max)}`, avg: x.avg ?? null }));
    }),
  );
  const latest = inParallel(
    q.latest.map((l) => async () => {
      const rows = await rawQuery(pool, LATEST_FOR_PATIENT_FROM_HISTORY_SQL, [l.hospital, l.patient, l.metrics, isoUs(l.range[0]), isoUs(l.range[1])]);
      const out: LatestRow[] = rows.map((r) => ({ metric: r.metric!, t: String(tsUs(r.t!)), value: r.value!, flags: r.flags! }));
      return out.sort((x, y) => Number(x.metric) - Number(y.metric));
    }),
  );
  const readings = inParallel(q.readings.map((r) => () => digest(pool, 'vital_readings_of_hospital($1, $2, $3)', [r.hospital, isoUs(r.range[0]), isoUs(r.range[1])])));
  return { history: await history, report: await report, latest: await latest, readings: await readings };
}

/**
 * Compares answers with the expected ones, exactly, except a report's avg: it is
 * sum / measured, and a block's stored v_sum adds its readings in another order (and
 * in another grouping) than sum(value::float8) over rows, so the float8 may differ in
 * its last bits. Relative 1e-9 is far below any resolution a monitor reports and far
 * above float8 rounding over a day's sum.
 */
async function mismatches(pool: pg.Pool, expected: Answers, actual: Answers, q: Questions): Promise<string[]> {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  expected.history.forEach((e, i) => {
    const a = actual.history[i]!;
    if (same(e, a)) return;
    const j = e.findIndex((row, k) => !same(row, a[k]));
    out.push(`history ${JSON.stringify(q.history[i])}: ${e.length} readings expected, ${a.length} found; first difference at ${j}: expected ${JSON.stringify(e[j])}, found ${JSON.stringify(a[j])}`);
  });
  expected.report.forEach((e, i) => {
    const a = actual.report[i]!;
    const problems: string[] = [];
    if (e.length !== a.length) problems.push(`${e.length} buckets expected, ${a.length} found`);
    e.forEach((row, k) => {
      const b = a[k];
      if (!b || b.key !== row.key || b.exact !== row.exact) problems.push(`bucket ${row.key}: expected ${row.exact}, found ${b ? `${b.key} ${b.exact}` : 'none'}`);
      else if (!closeEnough(row.avg, b.avg)) problems.push(`bucket ${row.key}: avg expected ${row.avg}, found ${b.avg}`);
    });
    if (problems.length) out.push(`report ${JSON.stringify(q.report[i])}: ${problems.slice(0, 3).join('; ')}`);
  });
  for (const [i, e] of expected.latest.entries()) {
    const a = actual.latest[i]!;
    let ok = e.length === a.length && e.every((row, k) => row.metric === a[k]!.metric && row.t === a[k]!.t);
    for (const [k, row] of e.entries()) {
      if (!ok || (row.value === a[k]!.value && row.flags === a[k]!.flags)) continue;
      // Two devices' readings of one instant (a tie): either is the latest. The expected
      // readings (EXPECTED) hold exactly the readings the answer was computed over.
      const l = q.latest[i]!;
      const tie = await pool.query(`SELECT 1 FROM ${EXPECTED} WHERE hospital_id = $1 AND patient_id = $2 AND metric = $3 AND t = $4 AND value::text = $5 AND flags = $6`, [
        l.hospital, l.patient, Number(row.metric), isoUs(Number(row.t)), a[k]!.value, Number(a[k]!.flags),
      ]);
      ok = tie.rowCount === 1;
    }
    if (!ok) out.push(`latest ${JSON.stringify(q.latest[i])}: expected ${JSON.stringify(e)}, found ${JSON.stringify(a)}`);
  }
  expected.readings.forEach((e, i) => {
    if (!same(e, actual.readings[i])) out.push(`vital_readings_of_hospital ${JSON.stringify(q.readings[i])}: expected ${JSON.stringify(e)}, found ${JSON.stringify(actual.readings[i])}`);
  });
  return out;
}

function closeEnough(x: string | null, y: string | null): boolean {
  if (x === null || y === null) return x === y;
  const a = Number(x);
  const b = Number(y);
  if (Number.isNaN(a) || Number.isNaN(b) || !Number.isFinite(a) || !Number.isFinite(b)) return Object.is(a, b);
  return a === b || Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));
}

// ---------------------------------------------------------------------------------------
// The test

describe('compaction changes no answer (property, real PostgreSQL)', () => {
  const db = useLifecycleDatabase({ poolMax: 6 });
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  async function setUp(c: Case): Promise<void> {
    const pool = db.pool;
    await addHospitals(pool);
    await pool.query(`CREATE TABLE IF NOT EXISTS ${EXPECTED} (LIKE vital_data INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`);
    await pool.query(`TRUNCATE vital_data, vital_blocks, ${EXPECTED}`);
    await ensurePartitions(pool, { fromDay: isoDate(Math.floor(c.startUs / DAY_US)), toDay: isoDate(Math.floor(c.endUs / DAY_US)) });
  }

  /** Runs the job and checks that no unit failed (a failed unit is only logged). */
  async function compact(c: Case, label: string, options: CompactionOptions = {}): Promise<CompactionResult> {
    const run = await runCompaction(h!.ctx, options);
    if (!run.ran) throw new Error(`seed ${c.seed}: ${label}: the job did not run`);
    const errors = h!.log.entries().filter((e) => e.level >= 50);
    expect(run.value.failedUnits, `seed ${c.seed}: ${label}: failed units, logged: ${JSON.stringify(errors.slice(0, 2))}`).toBe(0);
    return run.value;
  }

  async function check(c: Case, label: string, expected: Answers, actual: Answers, q: Questions): Promise<void> {
    const found = await mismatches(db.pool, expected, actual, q);
    expect(found.slice(0, 8), `seed ${c.seed} (rerun: WL_COMPACTION_SEEDS=${c.seed}): ${label}: ${found.length} answers differ`).toEqual([]);
  }

  /**
   * A case: the answers with every reading a row (without and with the late readings),
   * then compaction, late readings, merge, re-sent copies, merge, each checked against
   * them. `untilLate`: stop once the late readings are (partly) merged.
   */
  async function runCase(c: Case, options: { untilLate?: boolean } = {}): Promise<void> {
    const pool = db.pool;
    h = createHarness(pool);
    await setUp(c);
    const q = questionsFor(c);
    const partly = (maxUnits: number | undefined): CompactionOptions => (maxUnits === undefined ? {} : { maxUnits });

    // 1. Every reading a row: the answers before compaction, without and with the late ones.
    expect(await insertReadings(pool, 'vital_data', c.readings)).toBe(c.readings.length);
    await insertReadings(pool, EXPECTED, c.readings);
    const before = await answer(pool, q);
    expect(await insertReadings(pool, 'vital_data', c.late)).toBe(c.late.length);
    const withLate = await answer(pool, q);
    await deleteReadings(pool, c.late);

    // 2. Compacted (maybe only some units, the rest stays rows): the same answers.
    const first = await compact(c, 'first compaction', partly(c.firstMaxUnits));
    expect(first.readings, `seed ${c.seed}`).toBeGreaterThan(0);
    await check(c, `after the first compaction (${first.units} units, ${first.readings} readings moved)`, before, await answer(pool, q), q);

    // 3. Late readings for compacted hours arrive as ingest writes them (rows): they are
    // read at once, beside the blocks, and again once merged into them.
    await insertReadings(pool, 'vital_data', c.late);
    await insertReadings(pool, EXPECTED, c.late);
    await check(c, 'late readings as rows beside the blocks', withLate, await answer(pool, q), q);
    const merge = await compact(c, 'merge', partly(c.secondMaxUnits));
    await check(c, `after the merge (${merge.units} units, ${merge.blocksMerged} blocks merged)`, withLate, await answer(pool, q), q);
    if (options.untilLate) return;

    // 4. Re-sent copies of stored readings (rows, or readings in blocks: ingest's ON
    // CONFLICT only sees rows) are dropped by the merge; the stored reading wins. Until
    // that merge the copies are read too (the known-issue test below), so the
    // answers are compared once every unit has run.
    await insertReadings(pool, 'vital_data', c.resent);
    const dropped = await compact(c, 'merge of re-sent copies', partly(c.secondMaxUnits));
    const last = await compact(c, 'last compaction');
    await check(c, `after the last compaction (${dropped.duplicates + last.duplicates} copies dropped)`, withLate, await answer(pool, q), q);
    const left = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data WHERE t < $1', [isoUs(CUTOFF_US)]);
    expect(left.rows[0]!.n, `seed ${c.seed}: rows left before the cutoff`).toBe(0);
    expect(await digest(pool, BOTH_TIERS), `seed ${c.seed}: every reading, both tiers`).toEqual(await digest(pool, EXPECTED));
  }

  for (const seed of SEEDS) {
    it(`history, reports, latest values and readings are the same before and after (seed ${seed})`, async () => {
      const c = generateCase(seed);
      await runCase(c);
    });
  }

  it(`archives compacted days whole: a restore gives back every reading (seed ${ARCHIVE_SEED})`, async () => {
    const pool = db.pool;
    const c = generateCase(ARCHIVE_SEED);
    c.firstMaxUnits = 5;
    c.secondMaxUnits = 3;
    // Leaves the days part blocks, part rows: merged, unmerged and late readings.
    await runCase(c, { untilLate: true });
    const rows = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data');
    expect(rows.rows[0]!.n, `seed ${c.seed}: some readings are still rows`).toBeGreaterThan(0);
    const expected = await digest(pool, EXPECTED);

    // Two days later every day of the case is past a hot period of one day.
    await addHospitals(pool, 1);
    h!.clock.set(NOW + 2 * DAY_MS);
    const retention = await runRetention(h!.ctx, { skipPurge: true });
    forgetKnownPartitions(pool);
    expect(retention.failed, `seed ${c.seed}`).toEqual([]);
    expect(retention.archived.reduce((n, a) => n + a.rows, 0), `seed ${c.seed}: readings archived`).toBe(expected.n);
    const left = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_class WHERE relname ~ '^vital_(data|blocks)_p\\d{8}$'");
    expect(left.rows[0]!.n, `seed ${c.seed}: partitions left`).toBe(0);

    await pool.query('DROP TABLE IF EXISTS prop_restored');
    const from = new Date(Math.floor(c.startUs / DAY_US) * DAY_MS);
    const to = new Date((Math.floor(c.endUs / DAY_US) + 1) * DAY_MS);
    const restored = await restoreRange(h!.ctx, { from, to, into: 'prop_restored' });
    expect(restored.rowsInserted, `seed ${c.seed}`).toBe(expected.n);
    expect(await digest(pool, 'prop_restored'), `seed ${c.seed}: the restored readings`).toEqual(expected);
    await addHospitals(pool);
  });
});

// ---------------------------------------------------------------------------------------
// What the property found wrong, as the smallest cases (fixed, kept as regressions).

describe('compaction: the smallest cases the property found', () => {
  const db = useLifecycleDatabase();
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  const hour = CUTOFF_US - 5 * HOUR_US;
  const at = (s: number) => hour + s * SEC_US;
  const reading = (over: Partial<Reading>): Reading => ({
    t: at(0), recv: at(0) + 200_000, seq: 1, value: 80, metric: HR, flags: 0, hospital: 'h-north', patient: 'P1', gateway: 'gw', device: 'mon-1', bed: 'bed-1', ...over,
  });
  async function fresh(): Promise<pg.Pool> {
    h = createHarness(db.pool);
    await addHospitals(db.pool);
    await db.pool.query('TRUNCATE vital_data, vital_blocks');
    await ensurePartitions(db.pool, { fromDay: isoDate(Math.floor(hour / DAY_US)), toDay: isoDate(Math.floor(hour / DAY_US)) });
    return db.pool;
  }
  /** P1's heart rate over the hour, as "µs into the hour, value, flags". */
  const history = async (pool: pg.Pool) =>
    (await rawQuery(pool, HISTORY_SQL, ['h-north', 'P1', HR, isoUs(hour), isoUs(hour + HOUR_US)])).map((r) => `${tsUs(r.t!) - hour} ${r.value} ${r.flags}`);

  it('keeps the -0 an INVALID reading carries (the codec keeps it exactly)', async () => {
    const pool = await fresh();
    await insertReadings(pool, 'vital_data', [reading({ t: at(0), value: 80 }), reading({ t: at(1), value: -0, flags: QualityFlag.INVALID }), reading({ t: at(2), value: 81 })]);
    const before = await history(pool);
    expect(before[1]).toBe(`${SEC_US} -0 1`);
    await runCompaction(h!.ctx);
    expect(await history(pool)).toEqual(before);
  });

  it('merges a late reading when a patient has devices whose ids sort differently in UTF-16 and in UTF-8', async () => {
    const pool = await fresh();
    // "ｘ" (U+FF58) sorts before "😀" (U+1F600) in PostgreSQL's "C" collation (UTF-8
    // bytes EF.. < F0..) and after it in JavaScript (UTF-16 units FF58 > D83D). When
    // merge.ts compared ids with JavaScript's <, the merge emitted a block twice, the
    // COPY failed on the primary key, and the unit failed on every run.
    const devices = ['ox-\uff58', 'ox-\u{1f600}'];
    await insertReadings(pool, 'vital_data', devices.flatMap((device) => [0, 10, 20].map((s) => reading({ device, t: at(s), value: 70 + s }))));
    await runCompaction(h!.ctx);
    await insertReadings(pool, 'vital_data', devices.map((device) => reading({ device, t: at(25), value: 99, seq: 2 })));
    const before = await history(pool);
    const run = await runCompaction(h!.ctx);
    expect(run.ran && run.value.failedUnits, JSON.stringify(h!.log.entries().filter((e) => e.level >= 50).map((e) => (e.err as { message?: string })?.message))).toBe(0);
    const rows = await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data');
    expect(rows.rows[0]!.n).toBe(0);
    expect(await history(pool)).toEqual(before);
  });
});
