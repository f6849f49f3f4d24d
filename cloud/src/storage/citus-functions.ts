/**
 * The SQL functions of migration 008 made usable on Citus; run by distributeSchema after
 * the tables are distributed, on Citus only (a plain PostgreSQL keeps migration 008's
 * definitions, inlined by its planner).
 *
 * - vital_block_rows(vital_blocks) reads no table: it is only needed on the workers, where
 *   a router query unpacks blocks. create_distributed_function puts it there (and on any
 *   worker added later). Callers pass ROW(b.*)::vital_blocks (see queries.ts).
 * - vital_readings() and vital_readings_of_hospital() are SQL functions that read
 *   distributed tables with their parameters, which Citus refuses to plan ("parameterized
 *   queries for SQL functions referencing distributed tables are not supported"). The same
 *   bodies in PL/pgSQL work: each RETURN QUERY is planned by Citus as a router query. They
 *   are no longer inlined, so the read routes use the written-out statements of queries.ts;
 *   these stay for ad-hoc SQL, reports and checks.
 * CREATE OR REPLACE keeps the signatures, so this is idempotent.
 */
import type pg from 'pg';

const ORIGIN = "TIMESTAMPTZ '2000-01-03 00:00:00+00'";

const VITAL_READINGS = `
CREATE OR REPLACE FUNCTION vital_readings(p_hospital text, p_patient text, p_metric integer, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (t timestamptz, value real, flags smallint, received_at timestamptz, batch_seq bigint, gateway_id text, device_id text, bed_id text)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
  RETURN QUERY
  SELECT * FROM (
    SELECT v.t, v.value, v.flags, v.received_at, v.batch_seq, v.gateway_id::text, v.device_id::text, v.bed_id::text
    FROM vital_data v
    WHERE v.hospital_id = p_hospital AND v.patient_id = p_patient AND v.metric = p_metric AND v.t >= p_from AND v.t < p_to
    UNION ALL
    SELECT r.t, r.value, r.flags, r.received_at, r.batch_seq, b.gateway_id::text, b.device_id::text, b.bed_id::text
    FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
    WHERE b.hospital_id = p_hospital AND b.patient_id = p_patient AND b.metric = p_metric
      AND b.block_start >= date_bin('1 hour', p_from, ${ORIGIN}) AND b.block_start < p_to
      AND b.t_last >= p_from AND b.t_first < p_to
      AND r.t >= p_from AND r.t < p_to
  ) a
  ORDER BY a.t;
END
$fn$`;

const VITAL_READINGS_OF_HOSPITAL = `
CREATE OR REPLACE FUNCTION vital_readings_of_hospital(p_hospital text, p_from timestamptz, p_to timestamptz)
RETURNS TABLE (t timestamptz, received_at timestamptz, batch_seq bigint, value real, metric integer, flags smallint,
               hospital_id text, patient_id text, gateway_id text, device_id text, bed_id text)
LANGUAGE plpgsql STABLE AS $fn$
BEGIN
  RETURN QUERY
  SELECT v.t, v.received_at, v.batch_seq, v.value, v.metric, v.flags,
         v.hospital_id::text, v.patient_id::text, v.gateway_id::text, v.device_id::text, v.bed_id::text
  FROM vital_data v
  WHERE v.hospital_id = p_hospital AND v.t >= p_from AND v.t < p_to
  UNION ALL
  SELECT r.t, r.received_at, r.batch_seq, r.value, b.metric, r.flags,
         b.hospital_id::text, b.patient_id::text, b.gateway_id::text, b.device_id::text, b.bed_id::text
  FROM vital_blocks b CROSS JOIN LATERAL vital_block_rows(ROW(b.*)::vital_blocks) r
  WHERE b.hospital_id = p_hospital
    AND b.block_start >= date_bin('1 hour', p_from, ${ORIGIN}) AND b.block_start < p_to
    AND b.t_last >= p_from AND b.t_first < p_to
    AND r.t >= p_from AND r.t < p_to;
END
$fn$`;

type Queryable = Pick<pg.PoolClient, 'query'>;

/** Call after the tables are distributed (the function's argument type must be). */
export async function adaptFunctionsForCitus(client: Queryable): Promise<void> {
  // Two steps: to_regprocedure raises (not NULL) when the argument type does not exist.
  const present = await client.query<{ yes: boolean }>(
    "SELECT to_regclass('vital_blocks') IS NOT NULL AND EXISTS (SELECT 1 FROM pg_proc WHERE proname = 'vital_block_rows') AS yes",
  );
  if (!present.rows[0]?.yes) return; // a schema before migration 008 (tests with their own list)
  const distributed = await client.query<{ yes: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_dist_object WHERE classid = 'pg_proc'::regclass
                    AND objid = 'vital_block_rows(vital_blocks)'::regprocedure) AS yes`,
  );
  if (!distributed.rows[0]?.yes) await client.query("SELECT create_distributed_function('vital_block_rows(vital_blocks)')");
  await client.query(VITAL_READINGS);
  await client.query(VITAL_READINGS_OF_HOSPITAL);
}
