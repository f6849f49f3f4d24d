/**
 * The lifecycle's audit trail: every legal hold placed or released, policy change,
 * partition dropped and archive purged, with who, when (the job's clock) and details.
 */
import type pg from 'pg';

export type AuditAction =
  | 'legal-hold-placed'
  | 'legal-hold-released'
  | 'retention-policy-set'
  | 'partition-dropped'
  | 'archive-purged'
  | 'alarm-events-purged'
  | 'held-archive-created'
  | 'held-archive-purged';

export interface AuditEntry {
  /** '' for shared storage (a partition holds every hospital's rows). */
  hospitalId: string;
  at: Date;
  action: AuditAction;
  subject: string;
  actor: string;
  detail?: Record<string, unknown>;
}

export interface AuditRecord extends AuditEntry {
  detail: Record<string, unknown>;
}

export async function recordAudit(db: pg.Pool | pg.PoolClient, entry: AuditEntry): Promise<void> {
  await db.query('INSERT INTO lifecycle_audit (hospital_id, at, action, subject, actor, detail) VALUES ($1, $2, $3, $4, $5, $6)', [
    entry.hospitalId,
    entry.at,
    entry.action,
    entry.subject,
    entry.actor,
    JSON.stringify(entry.detail ?? {}),
  ]);
}

export async function listAudit(db: pg.Pool, filter: { hospitalId?: string; action?: AuditAction } = {}): Promise<AuditRecord[]> {
  const res = await db.query<AuditRecord>(
    `SELECT hospital_id AS "hospitalId", at, action, subject, actor, detail FROM lifecycle_audit
     WHERE ($1::text IS NULL OR hospital_id = $1) AND ($2::text IS NULL OR action = $2) ORDER BY at, action, subject`,
    [filter.hospitalId ?? null, filter.action ?? null],
  );
  return res.rows;
}
