/**
 * The read-path bench's stored history (scripts/bench/read-path.ts). 3 days of 5,000
 * beds at 8 metrics/s is ~10 billion readings: far more than 2 shared cores and this disk
 * hold, so what is loaded is a SAMPLE, generated in SQL by the compaction bench's ward mix
 * (_compaction-data.ts), and said so in the figures:
 * - `samplePatients` monitors over 24 h from yesterday 08:00Z (the history window), then
 *   compacted into vital_blocks by the real compaction job, so the 24 h history reads
 *   blocks for every hour closed > the compaction grace (10 min) ago;
 * - the same monitors over `archivedHours` of the day before yesterday, then archived to a
 *   local folder by the real retention job (hot_days = 2), so it is read from Parquet.
 * The 5,000 beds' latest values come from the live ingest (warm-up batches of every
 * gateway), not from this sample.
 * `hrOnlyUntilHour` (--quick): the monitors' HR alone from the end of `historyHours` (0:
 * no other metric of the window is generated) to that hour of the window, one reading a
 * second, so the 24 h history answer is the real one (86,400 lines) without generating
 * every metric of 24 h (~10 s more).
 */
import { join } from 'node:path';
import type pg from 'pg';
import { METRICS } from '@wardlink/shared';
import { createLifecycleContext, ensurePartitions, LocalFolderArchiveStore, runCompaction, runRetention } from '@wardlink/cloud';
import { HOSPITAL, round } from './_compaction-common.js';
import { loadWard } from './_compaction-data.js';
import { quietLogger } from './_database.js';
import type { BenchOptions } from './run.js';

export { HOSPITAL };
export const DAY_MS = 86_400_000;
export const iso = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);

/** HR of each patient's monitor, 1 Hz, for [from, to): a smooth made-up series. */
async function loadHrOnly(pool: pg.Pool, patients: string[], from: Date, to: Date): Promise<number> {
  const res = await pool.query(
    `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
     SELECT $4::timestamptz + s * interval '1 second', $4::timestamptz + s * interval '1 second' + interval '40 milliseconds', 9000000 + s / 5,
            round(74 + 8 * sin(s / 900.0) + 3 * sin(s / 47.0))::real, $3, 0, $1, g.patient_id, g.gateway_id, g.device_id, g.bed_id
     FROM (SELECT DISTINCT ON (patient_id) patient_id, gateway_id, device_id, bed_id FROM vital_data
           WHERE hospital_id = $1 AND patient_id = ANY($2) AND metric = $3 ORDER BY patient_id, t DESC) g
     CROSS JOIN generate_series(0, (extract(epoch FROM $5::timestamptz - $4::timestamptz))::int - 1) s`,
    [HOSPITAL, patients, METRICS.HR.mdcCode, from, to],
  );
  return res.rowCount ?? 0;
}

export interface StoredHistory {
  patients: string[];
  /** The 24 h history window: yesterday 08:00Z to today 08:00Z. */
  historyFrom: Date;
  historyTo: Date;
  /** The archived day (UTC date) and its bounds. */
  archivedDay: string;
  archivedFrom: Date;
  archivedTo: Date;
  archiveDir: string;
  loadedReadings: number;
  compactedReadings: number;
  archivedRows: number;
  loadS: number;
  compactS: number;
  archiveS: number;
}

/** The generator's table and functions, dropped so loadWard can run for a second day. */
async function dropGenerator(pool: pg.Pool): Promise<void> {
  await pool.query('DROP TABLE IF EXISTS bench_monitors; DROP FUNCTION IF EXISTS bench_noise(bigint, bigint, int); DROP FUNCTION IF EXISTS bench_u(bigint, bigint)');
}

export async function storeHistory(
  pool: pg.Pool,
  {
    samplePatients,
    historyHours,
    hrOnlyUntilHour,
    archivedHours,
    workDir,
    log,
  }: { samplePatients: number; historyHours: number; hrOnlyUntilHour?: number; archivedHours: number; workDir: string; log: BenchOptions['log'] },
): Promise<StoredHistory> {
  const today = Math.floor(Date.now() / DAY_MS);
  await ensurePartitions(pool, { fromDay: iso(today - 2), toDay: iso(today + 1) });
  await pool.query("INSERT INTO hospitals (hospital_id, name) VALUES ($1, 'Bench General') ON CONFLICT DO NOTHING", [HOSPITAL]);

  let t0 = performance.now();
  const archived = await loadWard(pool, { deviceCount: samplePatients, hours: archivedHours, dayStart: new Date((today - 2) * DAY_MS), rowPartition: `vital_data_p${iso(today - 2).replaceAll('-', '')}`, log });
  await dropGenerator(pool);
  // The same monitors (same generator seed and count): the archived day's patients.
  const hot = historyHours > 0 ? await loadWard(pool, { deviceCount: samplePatients, hours: historyHours, dayStart: new Date((today - 1) * DAY_MS), rowPartition: `vital_data_p${iso(today - 1).replaceAll('-', '')}`, log }) : { patients: archived.patients, loaded: 0 };
  await dropGenerator(pool);
  let hrOnly = 0;
  if (hrOnlyUntilHour !== undefined && hrOnlyUntilHour > historyHours) {
    const windowStart = (today - 1) * DAY_MS + 8 * 3_600_000;
    hrOnly = await loadHrOnly(pool, hot.patients, new Date(windowStart + historyHours * 3_600_000), new Date(windowStart + hrOnlyUntilHour * 3_600_000));
    log(`HR only: ${hrOnly} readings from hour ${historyHours} to ${hrOnlyUntilHour} of the window`);
  }
  const loadS = (performance.now() - t0) / 1000;

  const archiveDir = join(workDir, 'archive');
  const ctx = createLifecycleContext({ pool, logger: quietLogger, store: new LocalFolderArchiveStore(archiveDir), stagingDir: join(workDir, 'staging') });
  t0 = performance.now();
  const compaction = await runCompaction(ctx);
  if (!compaction.ran || compaction.value.failedUnits > 0) throw new Error(`compaction did not complete: ${JSON.stringify(compaction)}`);
  const compactS = (performance.now() - t0) / 1000;
  log(`compaction: ${compaction.value.readings} readings into ${compaction.value.blocksWritten} blocks in ${round(compactS, 1)} s`);

  // A hot period of 2 days: the day before yesterday leaves PostgreSQL for the archive.
  await pool.query('UPDATE hospitals SET hot_days = 2 WHERE hospital_id = $1', [HOSPITAL]);
  t0 = performance.now();
  const retention = await runRetention(ctx, { failFast: true, skipPurge: true });
  const archiveS = (performance.now() - t0) / 1000;
  const archivedRows = retention.archived.reduce((n, a) => n + a.rows, 0);
  if (retention.failed.length > 0 || retention.archived.length === 0) throw new Error(`archiving did not complete: ${JSON.stringify(retention.failed).slice(0, 500)}`);
  log(`archive: ${retention.archived.length} partitions of ${iso(today - 2)} to ${archiveDir} in ${round(archiveS, 1)} s`);

  return {
    patients: hot.patients,
    historyFrom: new Date((today - 1) * DAY_MS + 8 * 3_600_000),
    historyTo: new Date(today * DAY_MS + 8 * 3_600_000),
    archivedDay: iso(today - 2),
    archivedFrom: new Date((today - 2) * DAY_MS),
    archivedTo: new Date((today - 1) * DAY_MS),
    archiveDir,
    loadedReadings: archived.loaded + hot.loaded + hrOnly,
    compactedReadings: compaction.value.readings,
    archivedRows,
    loadS,
    compactS,
    archiveS,
  };
}
