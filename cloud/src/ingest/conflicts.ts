/**
 * Staged readings that ON CONFLICT DO NOTHING would drop although they are not copies: a
 * reading with the same key (patient, metric, time, gateway, device) but another value is
 * already stored, or comes twice in the batch with two values. The key cannot hold both,
 * so the later one is lost; it must at least be counted and logged, never dropped in
 * silence. (A gateway files its readings at distinct times, a clock it does not trust
 * included, so this should stay 0: gateway/src/ingest/device-clock.ts.)
 *
 * Run only on the staged path, which is rare (a batch overlapping stored readings); two
 * statements, each of a shape Citus can plan (the temporary table only in subqueries,
 * which it plans first, and vital_data filtered by the hospital: one worker).
 */
import type pg from 'pg';

const KEY = 'patient_id, metric, t, gateway_id, device_id';

export async function countConflicting(client: pg.PoolClient, stage: string, hospitalId: string, range: { minT: number; maxT: number }): Promise<number> {
  const within = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM (SELECT 1 FROM ${stage} GROUP BY ${KEY} HAVING count(DISTINCT value) > 1) d`,
  );
  const stored = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM vital_data v
     WHERE v.hospital_id = $1 AND v.t >= $2 AND v.t <= $3
       AND (v.patient_id, v.metric, v.t, v.gateway_id, v.device_id) IN (SELECT ${KEY} FROM ${stage})
       AND (v.patient_id, v.metric, v.t, v.gateway_id, v.device_id, v.value) NOT IN (SELECT ${KEY}, value FROM ${stage})`,
    [hospitalId, new Date(range.minT), new Date(range.maxT)],
  );
  return within.rows[0]!.n + stored.rows[0]!.n;
}
