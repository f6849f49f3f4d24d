/**
 * What the lifecycle tests share: a context on a real database with a manual clock, a
 * local archive folder and staging folder in a temp dir, and a generator of small but
 * varied vital_data days (two hospitals, several patients, gateways and metrics).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { ensurePartitions } from '../../storage/partitions.js';
import { DAY_MS, isoDate } from '../../storage/utc-days.js';
import { createTestLogger, type TestLogger } from '../../testing/logger.js';
import { createLifecycleContext, type LifecycleContext, type LifecycleSettings } from '../context.js';
import { LocalFolderArchiveStore } from '../store/local-folder-store.js';
import { ManualClock } from './manual-clock.js';

/** 2030-06-15 00:00:00 UTC plus 10 h: "now" in the lifecycle tests. */
export const NOW = Date.UTC(2030, 5, 15, 10, 0, 0);
export const TODAY = Math.floor(NOW / DAY_MS);

export interface Harness {
  ctx: LifecycleContext;
  clock: ManualClock;
  store: LocalFolderArchiveStore;
  log: TestLogger;
  dir: string;
  cleanup(): void;
}

export function createHarness(pool: pg.Pool, settings: Partial<LifecycleSettings> = {}, now = NOW): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'wl-lifecycle-'));
  const clock = new ManualClock(now);
  const store = new LocalFolderArchiveStore(join(dir, 'archive'));
  const log = createTestLogger('info');
  const ctx = createLifecycleContext({ pool, logger: log.logger, clock, store, stagingDir: join(dir, 'staging'), settings: { rowGroupRows: 500, ...settings }, actor: 'test' });
  return { ctx, clock, store, log, dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const HOSPITALS = ['h-north', 'h-south'];

/** Registers the test hospitals (idempotent). */
export async function addHospitals(pool: pg.Pool, hotDays = 90, archiveYears = 7): Promise<void> {
  for (const h of HOSPITALS) {
    await pool.query('INSERT INTO hospitals (hospital_id, name, hot_days, archive_years) VALUES ($1, $1, $2, $3) ON CONFLICT (hospital_id) DO UPDATE SET hot_days = $2, archive_years = $3', [h, hotDays, archiveYears]);
  }
}

/**
 * Inserts `rowsPerDay` readings into every UTC day from `fromDay` to `toDay` (day numbers),
 * creating the partitions. Deterministic per day; patients P1..P5 per hospital.
 */
export async function insertDays(pool: pg.Pool, fromDay: number, toDay: number, rowsPerDay = 240): Promise<void> {
  await ensurePartitions(pool, { fromDay: isoDate(fromDay), toDay: isoDate(toDay) });
  await pool.query(
    `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
     SELECT ts, ts + (40 + i % 37) * interval '1 millisecond', d * 1000 + i / 20,
            (CASE i % 4 WHEN 0 THEN 60 + (i * 7) % 50 WHEN 1 THEN 90 + i % 10 WHEN 2 THEN 36 + ((i * 3) % 30) / 10.0 ELSE 0.5 + ((i * 13) % 400) / 100.0 END)::real,
            (ARRAY[147842, 150456, 150364, 150488])[1 + i % 4],
            CASE WHEN i % 17 = 0 THEN 2 ELSE 0 END,
            h.id, CASE WHEN i % 11 = 0 THEN '' ELSE 'P' || (1 + i % 5) END, h.id || '-gw' || (1 + i % 2), 'mon-' || (i % 6), 'bed-' || (i % 6)
     FROM generate_series($1::int, $2::int) d
     CROSS JOIN generate_series(0, $3::int - 1) i
     CROSS JOIN LATERAL (SELECT timestamptz 'epoch' + d * interval '1 day' + (i * (86400000 / $3) + (i * 7919) % 997) * interval '1 millisecond' AS ts) x
     CROSS JOIN LATERAL (SELECT (ARRAY['h-north', 'h-south'])[1 + (i / 3) % 2] AS id) h`,
    [fromDay, toDay, rowsPerDay],
  );
}

/** count and sums of vital_data-shaped rows in `table` (optionally filtered), for before/after comparisons. */
export async function fingerprint(pool: pg.Pool, table: string, where = 'true', params: unknown[] = []): Promise<{ rows: number; sumT: string; sumValue: number; sumMetric: string; text: string }> {
  const res = await pool.query(
    `SELECT count(*)::int AS rows, coalesce(sum((EXTRACT(EPOCH FROM t) * 1000000)::bigint), 0)::text AS "sumT",
            coalesce(sum(value::float8), 0) AS "sumValue", coalesce(sum(metric), 0)::text AS "sumMetric",
            coalesce(md5(string_agg(hospital_id || patient_id || gateway_id || device_id || bed_id || flags || batch_seq || received_at || value || t || metric, ',' ORDER BY hospital_id, patient_id, metric, t, gateway_id, device_id)), '') AS text
     FROM ${table} WHERE ${where}`,
    params,
  );
  const r = res.rows[0];
  return { rows: r.rows, sumT: r.sumT, sumValue: Number(Number(r.sumValue).toFixed(3)), sumMetric: r.sumMetric, text: r.text };
}
