/**
 * Readings for the FHIR tests, inserted into vital_data as the loader leaves them: every
 * catalog metric of one monitor, blood pressures (whole, one component flagged, a mean
 * alone), each quality flag, and an uncatalogued term.
 */
import type pg from 'pg';
import { METRICS, QualityFlag } from '@wardlink/shared';
import { ensurePartitions } from '../../storage/partitions.js';

export interface TestReading {
  patientId: string;
  tMs: number;
  metric: number;
  value: number;
  flags?: number;
  deviceId?: string;
}

export async function insertReadings(pool: pg.Pool, hospitalId: string, readings: TestReading[]): Promise<void> {
  const days = readings.map((r) => new Date(r.tMs).toISOString().slice(0, 10)).sort();
  await ensurePartitions(pool, { fromDay: days[0]!, toDay: days.at(-1)! });
  await pool.query(
    `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
     SELECT to_timestamp(r.t / 1000.0), to_timestamp(r.t / 1000.0), 1, r.value, r.metric, r.flags, $1, r.patient, $1 || '-gw', r.device, 'bed-' || r.patient
     FROM jsonb_to_recordset($2::jsonb) AS r(t bigint, value real, metric int, flags smallint, patient text, device text)`,
    [hospitalId, JSON.stringify(readings.map((r) => ({ t: r.tMs, value: r.value, metric: r.metric, flags: r.flags ?? 0, patient: r.patientId, device: r.deviceId ?? 'mon-1' })))],
  );
}

const M = Object.fromEntries(Object.values(METRICS).map((m) => [m.id, m.mdcCode])) as Record<keyof typeof METRICS, number>;
/** An uncatalogued term (MDC_PRESS_CUFF, 2::19228): kept and exported with its MDC code only. */
export const UNCATALOGUED = 150044;

/** Three instants of one monitor, 60 s apart, from `t0`: see the file comment. */
export function wardSample(patientId: string, t0: number): TestReading[] {
  const at = (s: number, metric: number, value: number, flags = 0): TestReading => ({ patientId, tMs: t0 + s * 1000, metric, value, flags });
  return [
    at(0, M.HR, 72),
    at(0, M.PR, 71),
    at(0, M.SPO2, 97),
    at(0, M.PI, 2.5),
    at(0, M.RR, 16),
    at(0, M.TEMP, 36.6),
    at(0, M.ETCO2, 38),
    at(0, M.NIBP_SYS, 120),
    at(0, M.NIBP_DIA, 80),
    at(0, M.NIBP_MEAN, 93),
    at(0, UNCATALOGUED, 12),
    at(60, M.HR, 0, QualityFlag.SENSOR_OFF),
    at(60, M.SPO2, -1, QualityFlag.INVALID),
    at(60, M.NIBP_SYS, 118),
    at(60, M.NIBP_DIA, 0, QualityFlag.SENSOR_OFF),
    at(60, M.TEMP, 36.7, QualityFlag.CLOCK_SUSPECT),
    at(120, M.HR, 75, QualityFlag.DEMO),
    at(120, M.SPO2, 95, QualityFlag.PATIENT_MISMATCH),
    at(120, M.ABP_SYS, 110),
    at(120, M.ABP_DIA, 70),
    at(120, M.NIBP_MEAN, 90),
  ];
}

/** Observations wardSample makes: 11 readings at 0 s (the BP's three are one), 4 at 60 s
 * (the BP's two are one), 4 at 120 s (the ABP's two are one, the mean alone is one). */
export const WARD_SAMPLE_OBSERVATIONS = 9 + 4 + 4;
