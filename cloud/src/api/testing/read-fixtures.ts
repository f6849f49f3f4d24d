/**
 * Data and a client for the read-API tests: a hospital with a gateway, admitted patients,
 * latest_vitals rows and a day of vital_data, inserted as the loader would leave them.
 */
import type pg from 'pg';
import { METRICS } from '@wardlink/shared';
import { addGateway } from '../auth/gateway-store.js';
import { addReader } from '../auth/reader-store.js';
import { ensurePartitions } from '../../storage/partitions.js';

export const HR = METRICS.HR.mdcCode;
export const SPO2 = METRICS.SPO2.mdcCode;

export interface ReadFixture {
  hospitalId: string;
  readerToken: string;
  gatewayToken: string;
}

/** A hospital `hospitalId` with gateway `<h>-gw` (ward icu), a reader, and `patients`
 * admitted patients P1..Pn, each with HR and SPO2 in latest_vitals at `latestAt`. */
export async function seedHospital(pool: pg.Pool, hospitalId: string, patients: number, latestAt: Date): Promise<ReadFixture> {
  const gateway = await addGateway(pool, { hospitalId, wardId: 'icu', gatewayId: `${hospitalId}-gw` });
  const reader = await addReader(pool, { hospitalId, name: `${hospitalId} dashboard` });
  await pool.query(
    `INSERT INTO patients (hospital_id, patient_id, display_name) SELECT $1, 'P' || b, 'Patient ' || b FROM generate_series(1, $2::int) b`,
    [hospitalId, patients],
  );
  await pool.query(
    `INSERT INTO latest_vitals (hospital_id, gateway_id, bed_id, metric, t, value, flags, patient_id, device_id)
     SELECT $1, $2, 'bed-' || b, m.code, $3, m.value, m.flags, 'P' || b, 'mon-' || b
     FROM generate_series(1, $4::int) b
     CROSS JOIN (VALUES (${HR}, 72::real, 0), (${SPO2}, 97::real, 3)) m(code, value, flags)`,
    [hospitalId, `${hospitalId}-gw`, latestAt, patients],
  );
  return { hospitalId, readerToken: reader.token, gatewayToken: gateway.token };
}

/** `count` HR readings of `patientId`, one every `stepS` seconds from `from`; every 10th
 * is flagged SENSOR_OFF. */
export async function seedHistory(pool: pg.Pool, hospitalId: string, patientId: string, from: Date, count: number, stepS = 60): Promise<void> {
  const to = new Date(from.getTime() + count * stepS * 1000);
  await ensurePartitions(pool, { fromDay: from.toISOString().slice(0, 10), toDay: to.toISOString().slice(0, 10) });
  await pool.query(
    `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
     SELECT $3::timestamptz + i * $5 * interval '1 second', $3::timestamptz + i * $5 * interval '1 second', 1, 60 + i % 40, ${HR},
            CASE WHEN i % 10 = 0 THEN 2 ELSE 0 END, $1, $2, $1 || '-gw', 'mon-1', 'bed-1'
     FROM generate_series(0, $4::int - 1) i`,
    [hospitalId, patientId, from, count, stepS],
  );
}

export interface ReadAnswer {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown> & { error?: { code: string; message: string } };
}

export async function getRead(url: string, path: string, token: string | undefined, headers: Record<string, string> = {}): Promise<ReadAnswer> {
  const res = await fetch(`${url}${path}`, { headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers } });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: () => JSON.parse(text) as ReturnType<ReadAnswer['json']> };
}
