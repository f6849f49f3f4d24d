/**
 * The read-path bench's stored history (scripts/bench/read-path.ts). 3 days of 5,000
 * beds at 8 metrics/s is ~10 billion readings: far more than 2 shared cores and this disk
 * hold, so what is loaded is a SAMPLE, generated in SQL by the compaction bench's ward mix
 * (_compaction-data.ts), and said so in the figures:
 * - `samplePatients` monitors over the 24 h before the bench's start (the history window:
 *   a patient's "last 24 h", ending at the start, to the second), then compacted into
 *   vital_blocks by the real compaction job, which compacts the hours that ended more than
 *   its grace (10 min) ago: so, as for a real patient, only the current hour (and the
 *   last one, in its first 10 minutes) is read as rows of vital_data, whatever the time of
 *   day the bench runs. (A window of fixed UTC hours left up to a day of it in the future,
 *   never compacted, depending on the hour.) The window crosses midnight: its readings go
 *   to both days' partitions (the INSERTs go through vital_data), and both are analyzed;
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
  /** The 24 h history window: the 24 h before the bench's start (whole seconds). */
  historyFrom: Date;
  historyTo: Date;
  /** The first sample patient's HR readings in the window: as rows of vital_data (not
   * compacted yet), and in blocks. */
  windowPlainReadings: number;
  windowBlockReadings: number;
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

const rowPartition = (day: number) => `vital_data_p${iso(day).replaceAll('-', '')}`;

/** A patient's HR readings in [from, to): rows of vital_data, and readings in blocks. */
async function windowReadings(pool: pg.Pool, patient: string, from: Date, to: Date): Promise<{ plain: number; blocks: number }> {
  const res = await pool.query<{ plain: number; blocks: number }>(
    `SELECT (SELECT count(*)::int FROM vital_data WHERE hospital_id = $1 AND patient_id = $2 AND metric = $3 AND t >= $4 AND t < $5) AS plain,
            (SELECT count(*)::int FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
             WHERE b.hospital_id = $1 AND b.patient_id = $2 AND b.metric = $3 AND b.block_start >= $4::timestamptz - interval '1 hour' AND b.block_start < $5
               AND r.t >= $4 AND r.t < $5) AS blocks`,
    [HOSPITAL, patient, METRICS.HR.mdcCode, from, to],
  );
  return res.rows[0]!;
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
  // The window ends now, to the second: 86,400 readings of a 1 Hz series in [from, to).
  const historyTo = new Date(Math.floor(Date.now() / 1000) * 1000);
  const historyFrom = new Date(historyTo.getTime() - DAY_MS);
  const today = Math.floor(historyTo.getTime() / DAY_MS);
  await ensurePartitions(pool, { fromDay: iso(today - 2), toDay: iso(today + 1) });
  await pool.query("INSERT INTO hospitals (hospital_id, name) VALUES ($1, 'Bench General') ON CONFLICT DO NOTHING", [HOSPITAL]);

  let t0 = performance.now();
  const archived = await loadWard(pool, { deviceCount: samplePatients, hours: archivedHours, dayStart: new Date((today - 2) * DAY_MS), rowPartition: rowPartition(today - 2), log });
  await dropGenerator(pool);
  // The same monitors (same generator seed and count): the archived day's patients.
  // loadWard generates from 08:00 of its "day": a day that starts 8 h before the window.
  // It analyzes the first day's partition; the window's part after midnight is analyzed below.
  const hot =
    historyHours > 0
      ? await loadWard(pool, { deviceCount: samplePatients, hours: historyHours, dayStart: new Date(historyFrom.getTime() - 8 * 3_600_000), rowPartition: rowPartition(today - 1), log })
      : { patients: archived.patients, loaded: 0 };
  await dropGenerator(pool);
  let hrOnly = 0;
  if (hrOnlyUntilHour !== undefined && hrOnlyUntilHour > historyHours) {
    const windowStart = historyFrom.getTime();
    hrOnly = await loadHrOnly(pool, hot.patients, new Date(windowStart + historyHours * 3_600_000), new Date(windowStart + hrOnlyUntilHour * 3_600_000));
    log(`HR only: ${hrOnly} readings from hour ${historyHours} to ${hrOnlyUntilHour} of the window`);
  }
  // Statistics of both days' rows of the window, as the statements are planned on them
  // (loadWard analyzed the first day's).
  for (const day of historyHours > 0 ? [today] : [today - 1, today]) await pool.query(`VACUUM ANALYZE "${rowPartition(day)}"`);
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

  const window = await windowReadings(pool, hot.patients[0]!, historyFrom, historyTo);
  log(
    `history window ${historyFrom.toISOString()} to ${historyTo.toISOString()}: ${hot.patients[0]} HR has ${window.plain + window.blocks} readings, ` +
      `${window.plain} as rows of vital_data (not compacted: the current hour and the grace), ${window.blocks} in blocks`,
  );

  return {
    patients: hot.patients,
    historyFrom,
    historyTo,
    windowPlainReadings: window.plain,
    windowBlockReadings: window.blocks,
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
