import { afterEach, describe, expect, it } from 'vitest';
import { ensurePartitions } from '../../storage/partitions.js';
import { DAY_MS, isoDate } from '../../storage/utc-days.js';
import { addHospitals, createHarness, fingerprint, insertDays, NOW, TODAY, type Harness } from '../testing/harness.js';
import { useLifecycleDatabase } from '../testing/db.js';
import { restoreRange } from '../restore.js';
import { runRetention } from '../retention.js';
import { runCompaction } from './compaction-job.js';

const BOTH_TIERS = `(SELECT * FROM vital_readings_of_hospital('h-north', '2000-01-01', '2100-01-01')
  UNION ALL SELECT * FROM vital_readings_of_hospital('h-south', '2000-01-01', '2100-01-01')) x`;

describe('compaction', () => {
  const db = useLifecycleDatabase();
  let h: Harness | undefined;
  afterEach(() => h?.cleanup());

  it('moves closed hours into blocks and every reading reads back the same', async () => {
    h = createHarness(db.pool);
    await addHospitals(db.pool);
    await insertDays(db.pool, TODAY - 2, TODAY, 2_400);
    const before = await fingerprint(db.pool, 'vital_data');
    const first = await runCompaction(h.ctx);
    expect(first.ran).toBe(true);
    if (!first.ran) return;
    const cutoff = Date.parse(first.value.cutoff);
    expect(cutoff).toBe(NOW - 3_600_000); // 10:00 now, 10 min grace: hours before 09:00
    const left = await db.pool.query<{ n: number; oldest: Date }>('SELECT count(*)::int AS n, min(t) AS oldest FROM vital_data');
    expect(left.rows[0]!.oldest.getTime()).toBeGreaterThanOrEqual(cutoff);
    expect(first.value.readings + left.rows[0]!.n).toBe(before.rows);
    expect(await fingerprint(db.pool, BOTH_TIERS)).toEqual(before);

    // Nothing left to do: a second run moves nothing.
    const again = await runCompaction(h.ctx);
    expect(again.ran && again.value.readings).toBe(0);
    expect(await fingerprint(db.pool, BOTH_TIERS)).toEqual(before);
  });

  it('runs retention.compactionConcurrency units at once: one by default, more when set', async () => {
    const inFlightMax = async (settings: { compactionConcurrency?: number }) => {
      h?.cleanup();
      h = createHarness(db.pool, settings);
      await db.pool.query('TRUNCATE vital_data, vital_blocks');
      await addHospitals(db.pool);
      await insertDays(db.pool, TODAY - 1, TODAY - 1, 2_400);
      let now = 0;
      let max = 0;
      const run = await runCompaction(h.ctx, {
        hook: async (step) => {
          if (step === 'read') {
            max = Math.max(max, ++now);
            // Holds the unit open long enough for another worker to reach the same step.
            await new Promise((resolve) => setTimeout(resolve, 30));
          }
          if (step === 'committed') now--;
        },
      });
      expect(run.ran && run.value.units).toBeGreaterThanOrEqual(3);
      return max;
    };
    expect(await inFlightMax({})).toBe(1);
    expect(await inFlightMax({ compactionConcurrency: 3 })).toBe(3);
  });

  it('merges late readings into their block and drops a re-sent copy', async () => {
    h = createHarness(db.pool);
    await db.pool.query('TRUNCATE vital_data, vital_blocks');
    await addHospitals(db.pool);
    await insertDays(db.pool, TODAY - 1, TODAY - 1, 2_400);
    await runCompaction(h.ctx);
    const compacted = await fingerprint(db.pool, BOTH_TIERS);
    // A copy of a stored reading (same series and time, another batch) and a new one.
    await db.pool.query(`INSERT INTO vital_data SELECT r.t, r.received_at, r.batch_seq + 99, r.value + 1, r.metric, r.flags, r.hospital_id, r.patient_id, r.gateway_id, r.device_id, r.bed_id
      FROM vital_readings_of_hospital('h-north', $1, $2) r ORDER BY r.t LIMIT 1`, [new Date((TODAY - 1) * DAY_MS), new Date(TODAY * DAY_MS)]);
    await db.pool.query(`INSERT INTO vital_data SELECT r.t + interval '1 millisecond', r.received_at, r.batch_seq + 99, 77.5, r.metric, 0, r.hospital_id, r.patient_id, r.gateway_id, r.device_id, r.bed_id
      FROM vital_readings_of_hospital('h-north', $1, $2) r ORDER BY r.t LIMIT 1`, [new Date((TODAY - 1) * DAY_MS), new Date(TODAY * DAY_MS)]);
    const run = await runCompaction(h.ctx);
    expect(run.ran && run.value).toMatchObject({ readings: 1, duplicates: 1, blocksMerged: 1 });
    const after = await fingerprint(db.pool, BOTH_TIERS);
    expect(after.rows).toBe(compacted.rows + 1);
    expect(after.sumValue).toBeCloseTo(compacted.sumValue + 77.5, 3);
  });

  it('archives a day of both tiers whole: the archive restores to the very readings, and both tables are dropped', async () => {
    h = createHarness(db.pool);
    await db.pool.query('TRUNCATE vital_data, vital_blocks');
    await addHospitals(db.pool);
    const day = TODAY - 100;
    await insertDays(db.pool, day, day, 2_400);
    const before = await fingerprint(db.pool, 'vital_data');
    // Some patients compacted, the others still rows: the archive must hold both.
    const run = await runCompaction(h.ctx, { maxUnits: 4 });
    expect(run.ran && run.value.readings).toBeGreaterThan(0);
    const rowsLeft = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM vital_data');
    expect(rowsLeft.rows[0]!.n).toBeGreaterThan(0);

    const retention = await runRetention(h.ctx, { skipPurge: true });
    expect(retention.failed).toEqual([]);
    expect(retention.archived.map((a) => a.rows)).toEqual([before.rows]);
    const tables = await db.pool.query("SELECT relname FROM pg_class WHERE relname IN ('vital_data_p' || $1, 'vital_blocks_p' || $1)", [new Date(day * DAY_MS).toISOString().slice(0, 10).replaceAll('-', '')]);
    expect(tables.rows).toEqual([]);

    const restored = await restoreRange(h.ctx, { from: new Date(day * DAY_MS), to: new Date((day + 1) * DAY_MS), into: 'restored_compacted' });
    expect(restored.rowsInserted).toBe(before.rows);
    expect(await fingerprint(db.pool, 'restored_compacted')).toEqual(before);
  });

  it('packs a monitor hour at 1 Hz into under 3 bytes per reading, and unpacks it exactly', async () => {
    h = createHarness(db.pool);
    await db.pool.query('TRUNCATE vital_data, vital_blocks');
    const day = TODAY - 3;
    await ensurePartitions(db.pool, { fromDay: isoDate(day), toDay: isoDate(day) });
    // Whole-second device times, receive lags of 200-219 ms, a heart rate wandering by
    // whole beats, a batch every 5 s, a probe-off minute: what a bedside monitor sends.
    await db.pool.query(`INSERT INTO vital_data (t, received_at, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id)
      SELECT t, t + (200 + (s * 7919) % 20) * interval '1 millisecond', 1000 + s / 5, CASE WHEN s BETWEEN 600 AND 659 THEN 0 ELSE 72 + round(6 * sin(s / 300.0)) + (s * 31) % 3 END,
             147842, CASE WHEN s BETWEEN 600 AND 659 THEN 4 ELSE 0 END, 'h-north', 'P1', 'gw', 'mon-1', 'bed-1'
      FROM generate_series(0, 3599) s, LATERAL (SELECT $1::timestamptz + s * interval '1 second' AS t) x`, [new Date(day * DAY_MS + 3_600_000)]);
    const before = await fingerprint(db.pool, 'vital_data');
    await runCompaction(h.ctx);
    const size = await db.pool.query<{ blocks: number }>('SELECT count(*)::int AS blocks FROM vital_blocks');
    expect(size.rows[0]!.blocks).toBe(1);
    const columns = await db.pool.query<{ bytes: number }>(`SELECT (coalesce(pg_column_size(dt), 0) + coalesce(pg_column_size(dv), 0) + coalesce(pg_column_size(flags), 0)
        + coalesce(pg_column_size(lag16), 0) + coalesce(pg_column_size(dseq), 0) + 250)::int AS bytes FROM vital_blocks`);
    // The arrays as stored (compressed), plus ~250 B for the row and its index entry.
    expect(columns.rows[0]!.bytes / 3_600).toBeLessThan(3);
    expect(await fingerprint(db.pool, BOTH_TIERS)).toEqual(before);
  });
});
