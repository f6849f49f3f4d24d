/**
 * The api_readers table, for the admin CLI (add, list, revoke) and for authentication
 * (token hash to reader). Unlike `gateway add`, `reader add` never creates a hospital: a
 * typo must fail, not mint a credential for a hospital nobody registered.
 */
import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { NotFoundError } from '@wardlink/shared';
import { issueToken, READER_TOKEN_SCHEME } from './tokens.js';

export interface ReaderRecord {
  hospitalId: string;
  readerId: string;
  name: string;
  tokenPrefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface AddedReader extends ReaderRecord {
  /** The new token, to be shown once. */
  token: string;
}

type Queryable = pg.Pool | pg.PoolClient;

const COLUMNS = `hospital_id AS "hospitalId", reader_id AS "readerId", name, token_prefix AS "tokenPrefix",
                 created_at AS "createdAt", revoked_at AS "revokedAt"`;

/** A random id (no sequence: any instance or CLI run creates readers without coordination). */
function newReaderId(): string {
  return `rd-${randomBytes(6).toString('hex')}`;
}

/**
 * Creates a reader of an existing hospital with a fresh token. The hospital is checked
 * by api_readers' foreign key (23503 means no such hospital): a plain INSERT ... VALUES,
 * because Citus cannot run the INSERT ... SELECT ... RETURNING this was between its
 * reference tables ("missing FROM-clause entry").
 */
export async function addReader(db: Queryable, input: { hospitalId: string; name: string }): Promise<AddedReader> {
  const issued = issueToken(READER_TOKEN_SCHEME);
  try {
    const res = await db.query<ReaderRecord>(
      `INSERT INTO api_readers (hospital_id, reader_id, name, token_hash, token_prefix) VALUES ($1, $2, $3, $4, $5)
       RETURNING ${COLUMNS}`,
      [input.hospitalId, newReaderId(), input.name, issued.hash, issued.prefix],
    );
    return { ...res.rows[0]!, token: issued.token };
  } catch (err) {
    // hospitals is api_readers' only foreign key (migration 006).
    if ((err as { code?: unknown }).code === '23503') throw new NotFoundError('hospital', input.hospitalId);
    throw err;
  }
}

export async function listReaders(db: Queryable, hospitalId?: string): Promise<ReaderRecord[]> {
  const res = await db.query<ReaderRecord>(
    `SELECT ${COLUMNS} FROM api_readers WHERE $1::text IS NULL OR hospital_id = $1 ORDER BY hospital_id, created_at, reader_id`,
    [hospitalId ?? null],
  );
  return res.rows;
}

/**
 * Revokes a reader's token: its requests get 401 within the auth cache's TTL. Revoking
 * again keeps the first time. Two statements rather than `coalesce(revoked_at, now())`,
 * which Citus refuses (no non-immutable function inside COALESCE).
 */
export async function revokeReader(db: Queryable, readerId: string): Promise<ReaderRecord> {
  const res = await db.query<ReaderRecord>(
    `UPDATE api_readers SET revoked_at = now() WHERE reader_id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [readerId],
  );
  if (res.rows.length === 1) return res.rows[0]!;
  const revokedBefore = await db.query<ReaderRecord>(`SELECT ${COLUMNS} FROM api_readers WHERE reader_id = $1`, [readerId]);
  if (revokedBefore.rows.length !== 1) throw new NotFoundError('reader', readerId);
  return revokedBefore.rows[0]!;
}

/** The reader holding this token hash, revoked or not; undefined when none does. */
export async function findReaderByTokenHash(db: Queryable, tokenHash: string): Promise<ReaderRecord | undefined> {
  const res = await db.query<ReaderRecord>(`SELECT ${COLUMNS} FROM api_readers WHERE token_hash = $1`, [tokenHash]);
  return res.rows[0];
}

/** Of these token hashes, the ones that belong to a reader not revoked: one query for every open stream. */
export async function validReaderTokens(db: Queryable, tokenHashes: readonly string[]): Promise<ReadonlySet<string>> {
  if (tokenHashes.length === 0) return new Set();
  const res = await db.query<{ token_hash: string }>('SELECT token_hash FROM api_readers WHERE token_hash = ANY($1::text[]) AND revoked_at IS NULL', [tokenHashes]);
  return new Set(res.rows.map((r) => r.token_hash));
}
