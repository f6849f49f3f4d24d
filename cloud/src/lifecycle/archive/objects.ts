/** archive_objects: what is archived where, with each object's manifest. */
import type pg from 'pg';
import type { ArchiveKind, Manifest } from './manifest.js';

export interface ArchiveObject {
  hospitalId: string;
  day: string;
  generation: number;
  kind: ArchiveKind;
  patientId: string;
  key: string;
  rows: number;
  bytes: number;
  sha256: string;
  minT: Date | null;
  maxT: Date | null;
  manifest: Manifest;
  exportedAt: Date;
  storedAt: Date | null;
  verifiedAt: Date | null;
  purgedAt: Date | null;
}

const COLUMNS = `hospital_id AS "hospitalId", to_char(day, 'YYYY-MM-DD') AS day, generation, kind, patient_id AS "patientId",
  object_key AS key, rows::float8 AS rows, bytes::float8 AS bytes, sha256, min_t AS "minT", max_t AS "maxT", manifest,
  exported_at AS "exportedAt", stored_at AS "storedAt", verified_at AS "verifiedAt", purged_at AS "purgedAt"`;

type Db = pg.Pool | pg.PoolClient;

/** Records an exported object (or replaces the record of an earlier, unstored export). */
export async function upsertExported(db: Db, m: Manifest, now: Date): Promise<void> {
  const o = m.object;
  await db.query(
    `INSERT INTO archive_objects (hospital_id, day, generation, kind, patient_id, object_key, rows, bytes, sha256, min_t, max_t, manifest, exported_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, timestamptz 'epoch' + $10::bigint * interval '1 microsecond', timestamptz 'epoch' + $11::bigint * interval '1 microsecond', $12, $13)
     ON CONFLICT (hospital_id, day, generation, kind, patient_id) DO UPDATE SET
       object_key = excluded.object_key, rows = excluded.rows, bytes = excluded.bytes, sha256 = excluded.sha256,
       min_t = excluded.min_t, max_t = excluded.max_t, manifest = excluded.manifest, exported_at = excluded.exported_at,
       stored_at = NULL, verified_at = NULL, purged_at = NULL`,
    [o.hospitalId, o.day, o.generation, o.kind, o.patientId, m.key, m.stats.rows, m.file.bytes, m.file.sha256, m.stats.minTUs, m.stats.maxTUs, JSON.stringify(m), now],
  );
}

/** Removes records of a job's objects that a re-export no longer produced. */
export async function deleteOtherDayObjects(db: Db, day: string, generation: number, keep: string[]): Promise<void> {
  await db.query(`DELETE FROM archive_objects WHERE day = $1 AND generation = $2 AND kind = 'day' AND NOT (object_key = ANY($3::text[]))`, [day, generation, keep]);
}

export async function markStored(db: Db, key: string, now: Date): Promise<void> {
  await db.query('UPDATE archive_objects SET stored_at = $2 WHERE object_key = $1', [key, now]);
}

export async function markVerified(db: Db, key: string, now: Date): Promise<void> {
  await db.query('UPDATE archive_objects SET verified_at = $2 WHERE object_key = $1', [key, now]);
}

export async function markPurged(db: Db, key: string, now: Date): Promise<void> {
  await db.query('UPDATE archive_objects SET purged_at = $2 WHERE object_key = $1', [key, now]);
}

export async function jobObjects(db: Db, day: string, generation: number): Promise<ArchiveObject[]> {
  const res = await db.query<ArchiveObject>(`SELECT ${COLUMNS} FROM archive_objects WHERE day = $1 AND generation = $2 AND kind = 'day' ORDER BY hospital_id`, [day, generation]);
  return res.rows;
}

export interface ObjectFilter {
  hospitalId?: string;
  patientId?: string;
  fromDay?: string;
  toDay?: string;
  kind?: ArchiveKind;
  includePurged?: boolean;
}

/** Objects matching the filter, by day. A patient filter keeps day objects (which hold every patient) and that patient's held objects. */
export async function findObjects(db: Db, f: ObjectFilter = {}): Promise<ArchiveObject[]> {
  const res = await db.query<ArchiveObject>(
    `SELECT ${COLUMNS} FROM archive_objects
     WHERE ($1::text IS NULL OR hospital_id = $1)
       AND ($2::text IS NULL OR kind = 'day' OR patient_id = $2)
       AND ($3::date IS NULL OR day >= $3) AND ($4::date IS NULL OR day <= $4)
       AND ($5::text IS NULL OR kind = $5)
       AND ($6 OR purged_at IS NULL)
     ORDER BY day, hospital_id, kind, patient_id, generation`,
    [f.hospitalId ?? null, f.patientId ?? null, f.fromDay ?? null, f.toDay ?? null, f.kind ?? null, f.includePurged ?? false],
  );
  return res.rows;
}
