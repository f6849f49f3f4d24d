/**
 * Legal holds per patient (table legal_holds, migration 001): at most one active hold
 * per patient; placing and releasing are audited. What a hold protects, and how, is in
 * purge.ts and docs/lifecycle.md ("Legal hold").
 */
import type pg from 'pg';
import { AlreadyExistsError, NotFoundError, UsageError } from '@wardlink/shared';
import { withTransaction } from '../storage/pool.js';
import { recordAudit } from './audit.js';

export interface LegalHold {
  hospitalId: string;
  patientId: string;
  placedAt: Date;
  reason: string;
  placedBy: string;
  releasedAt: Date | null;
  releasedBy: string | null;
}

const COLUMNS = `hospital_id AS "hospitalId", patient_id AS "patientId", placed_at AS "placedAt", reason, placed_by AS "placedBy",
  released_at AS "releasedAt", released_by AS "releasedBy"`;

export interface PlaceHold {
  hospitalId: string;
  patientId: string;
  reason: string;
  placedBy: string;
  at: Date;
}

export async function placeLegalHold(pool: pg.Pool, hold: PlaceHold): Promise<LegalHold> {
  if (!hold.reason.trim()) throw new UsageError('a legal hold needs a reason (--reason)');
  if (!hold.placedBy.trim()) throw new UsageError('a legal hold needs the name of who placed it (--by)');
  return withTransaction(pool, async (client) => {
    const res = await client.query<LegalHold>(
      `INSERT INTO legal_holds (hospital_id, patient_id, placed_at, reason, placed_by) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [hold.hospitalId, hold.patientId, hold.at, hold.reason, hold.placedBy],
    );
    const placed = res.rows[0];
    if (!placed) throw new AlreadyExistsError('legal hold', `${hold.hospitalId}/${hold.patientId}`);
    await recordAudit(client, { hospitalId: hold.hospitalId, at: hold.at, action: 'legal-hold-placed', subject: hold.patientId, actor: hold.placedBy, detail: { reason: hold.reason } });
    return placed;
  });
}

export async function releaseLegalHold(pool: pg.Pool, r: { hospitalId: string; patientId: string; releasedBy: string; at: Date }): Promise<LegalHold> {
  if (!r.releasedBy.trim()) throw new UsageError('releasing a legal hold needs the name of who releases it (--by)');
  return withTransaction(pool, async (client) => {
    const res = await client.query<LegalHold>(
      `UPDATE legal_holds SET released_at = greatest($3, placed_at), released_by = $4
       WHERE hospital_id = $1 AND patient_id = $2 AND released_at IS NULL RETURNING ${COLUMNS}`,
      [r.hospitalId, r.patientId, r.at, r.releasedBy],
    );
    const released = res.rows[0];
    if (!released) throw new NotFoundError('legal-hold', `${r.hospitalId}/${r.patientId}`);
    await recordAudit(client, { hospitalId: r.hospitalId, at: r.at, action: 'legal-hold-released', subject: r.patientId, actor: r.releasedBy, detail: { placedAt: released.placedAt } });
    return released;
  });
}

export async function listLegalHolds(db: pg.Pool, filter: { hospitalId?: string; includeReleased?: boolean } = {}): Promise<LegalHold[]> {
  const res = await db.query<LegalHold>(
    `SELECT ${COLUMNS} FROM legal_holds WHERE ($1::text IS NULL OR hospital_id = $1) AND ($2 OR released_at IS NULL) ORDER BY hospital_id, patient_id, placed_at`,
    [filter.hospitalId ?? null, filter.includeReleased ?? false],
  );
  return res.rows;
}

/** Patients of `hospitalId` under an active hold. */
export async function heldPatients(db: pg.Pool | pg.PoolClient, hospitalId: string): Promise<string[]> {
  const res = await db.query<{ patient_id: string }>('SELECT patient_id FROM legal_holds WHERE hospital_id = $1 AND released_at IS NULL ORDER BY patient_id', [hospitalId]);
  return res.rows.map((r) => r.patient_id);
}
