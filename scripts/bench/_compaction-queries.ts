/**
 * The compaction bench's checks and queries (scripts/bench/compaction.ts): the
 * fingerprint of every reading over both tiers that proves the job lossless, the timed
 * HISTORY_SQL runs, and the block partition's sizes.
 */
import type pg from 'pg';
import { HISTORY_SQL } from '@wardlink/cloud';
import { HOSPITAL, M } from './_compaction-common.js';

const HISTORY_RUNS = 40;
const HISTORY_WARM_UP = 5;
export const ARRAY_COLUMNS = ['dt', 'dt64', 'dv', 'v_raw', 'flags', 'lag16', 'lag64', 'dseq'] as const;

export interface GroupPrint {
  n: number;
  t: string;
  r: string;
  seq: string;
  v: string;
  f: string;
  md5: string;
}

/**
 * Per (patient, metric): count, sums of t and received_at in µs, batch_seq, value, flags,
 * and the md5 of every column of every reading in key order, over both tiers. Two
 * sessions, half the patients each.
 */
export async function fingerprint(pool: pg.Pool, patients: string[], from: Date, to: Date): Promise<Map<string, GroupPrint>> {
  const halves = [patients.filter((_, i) => i % 2 === 0), patients.filter((_, i) => i % 2 === 1)];
  const us = (c: string) => `(extract(epoch FROM ${c}) * 1000000)::bigint`;
  const results = await Promise.all(
    halves.map((half) =>
      pool.query<GroupPrint & { patient_id: string; metric: number }>(
        `SELECT patient_id, metric, count(*)::int AS n, sum(${us('t')})::text AS t, sum(${us('received_at')})::text AS r,
                sum(batch_seq)::text AS seq, sum(value::numeric)::text AS v, sum(flags)::text AS f,
                md5(string_agg(concat_ws('|', ${us('t')}, ${us('received_at')}, batch_seq, value, metric, flags, hospital_id, patient_id, gateway_id, device_id, bed_id),
                               ',' ORDER BY t, gateway_id, device_id)) AS md5
         FROM vital_readings_of_hospital($1, $2, $3) WHERE patient_id = ANY($4::text[])
         GROUP BY patient_id, metric`,
        [HOSPITAL, from, to, half],
      ),
    ),
  );
  const out = new Map<string, GroupPrint>();
  for (const res of results) for (const { patient_id, metric, ...g } of res.rows) out.set(`${patient_id}/${metric}`, g);
  return out;
}

export function totals(prints: Map<string, GroupPrint>): { readings: number; sumTUs: bigint; sumReceivedUs: bigint; sumSeq: bigint; sumFlags: bigint } {
  let readings = 0;
  let sumTUs = 0n;
  let sumReceivedUs = 0n;
  let sumSeq = 0n;
  let sumFlags = 0n;
  for (const g of prints.values()) {
    readings += g.n;
    sumTUs += BigInt(g.t);
    sumReceivedUs += BigInt(g.r);
    sumSeq += BigInt(g.seq);
    sumFlags += BigInt(g.f);
  }
  return { readings, sumTUs, sumReceivedUs, sumSeq, sumFlags };
}

/** HISTORY_SQL for HR over one day: warm-up, then timed runs across patients. */
export async function historyRuns(pool: pg.Pool, patients: string[], from: Date, to: Date): Promise<{ ms: number[]; counts: Map<string, number> }> {
  const counts = new Map<string, number>();
  const once = async (patient: string) => {
    const t0 = performance.now();
    const res = await pool.query(HISTORY_SQL, [HOSPITAL, patient, M.HR, from, to]);
    const ms = performance.now() - t0;
    const seen = counts.get(patient);
    if (seen !== undefined && seen !== res.rowCount) throw new Error(`history of ${patient} returned ${res.rowCount} rows, then ${seen}`);
    counts.set(patient, res.rowCount ?? 0);
    return ms;
  };
  for (let i = 0; i < HISTORY_WARM_UP; i++) await once(patients[(i * 7) % patients.length]!);
  const ms: number[] = [];
  for (let i = 0; i < HISTORY_RUNS; i++) ms.push(await once(patients[(i * 7 + 3) % patients.length]!));
  return { ms, counts };
}

export interface BlockSizes {
  /** Bytes: heap + TOAST + indexes; then each. */
  total: number;
  heap: number;
  toast: number;
  index: number;
  blocks: number;
  /** Readings held by the blocks. */
  readings: number;
}

/** The block partition's sizes after VACUUM ANALYZE, and the stored size of each array column. */
export async function blockPartitionSizes(pool: pg.Pool, blockPartition: string): Promise<{ sizes: BlockSizes; columns: Record<string, number> }> {
  await pool.query(`VACUUM ANALYZE "${blockPartition}"`);
  await pool.query('CHECKPOINT'); // the job's write-back is not the history queries'
  const sizes = (
    await pool.query<BlockSizes>(
      `SELECT pg_total_relation_size(c.oid)::float8 AS total, pg_relation_size(c.oid)::float8 AS heap,
              coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0)::float8 AS toast, pg_indexes_size(c.oid)::float8 AS index,
              (SELECT count(*) FROM ${blockPartition})::float8 AS blocks, (SELECT coalesce(sum(n), 0) FROM ${blockPartition})::float8 AS readings
       FROM pg_class c WHERE c.oid = $1::regclass`,
      [blockPartition],
    )
  ).rows[0]!;
  const columns = (await pool.query(`SELECT ${ARRAY_COLUMNS.map((c) => `coalesce(sum(pg_column_size(${c})), 0)::float8 AS ${c}`).join(', ')} FROM ${blockPartition}`)).rows[0] as Record<string, number>;
  return { sizes, columns };
}
