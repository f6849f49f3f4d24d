/**
 * The gateways table, for the admin CLI (add, list, revoke, rotate-token) and for
 * authentication (token hash to gateway). Hospitals and wards are created on demand.
 */
import type pg from 'pg';
import { AlreadyExistsError, NotFoundError } from '@wardlink/shared';
import { withTransaction } from '../../storage/pool.js';
import { issueToken } from './tokens.js';

export interface GatewayRecord {
  hospitalId: string;
  gatewayId: string;
  wardId: string;
  tokenPrefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

export interface AddedGateway extends GatewayRecord {
  /** The new token, to be shown once. */
  token: string;
}

type Queryable = pg.Pool | pg.PoolClient;

const COLUMNS = `hospital_id AS "hospitalId", gateway_id AS "gatewayId", ward_id AS "wardId", token_prefix AS "tokenPrefix",
                 created_at AS "createdAt", revoked_at AS "revokedAt"`;

export async function addHospital(db: Queryable, hospitalId: string, name = hospitalId): Promise<boolean> {
  const res = await db.query('INSERT INTO hospitals (hospital_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING', [hospitalId, name]);
  return res.rowCount === 1;
}

export async function listHospitals(db: Queryable): Promise<Array<{ hospitalId: string; name: string; hotDays: number; archiveYears: number }>> {
  const res = await db.query(
    'SELECT hospital_id AS "hospitalId", name, hot_days AS "hotDays", archive_years AS "archiveYears" FROM hospitals ORDER BY hospital_id',
  );
  return res.rows;
}

/** Registers a gateway (creating its hospital and ward if needed) with a fresh token. */
export async function addGateway(pool: pg.Pool, input: { hospitalId: string; wardId: string; gatewayId: string }): Promise<AddedGateway> {
  const issued = issueToken();
  return withTransaction(pool, async (client) => {
    await addHospital(client, input.hospitalId);
    await client.query('INSERT INTO wards (hospital_id, ward_id, name) VALUES ($1, $2, $2) ON CONFLICT DO NOTHING', [input.hospitalId, input.wardId]);
    const res = await client.query<GatewayRecord>(
      `INSERT INTO gateways (hospital_id, gateway_id, ward_id, token_hash, token_prefix) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT DO NOTHING RETURNING ${COLUMNS}`,
      [input.hospitalId, input.gatewayId, input.wardId, issued.hash, issued.prefix],
    );
    if (res.rowCount !== 1) throw new AlreadyExistsError('gateway', input.gatewayId);
    return { ...res.rows[0]!, token: issued.token };
  });
}

export async function listGateways(db: Queryable, hospitalId?: string): Promise<GatewayRecord[]> {
  const res = await db.query<GatewayRecord>(
    `SELECT ${COLUMNS} FROM gateways WHERE $1::text IS NULL OR hospital_id = $1 ORDER BY hospital_id, ward_id, gateway_id`,
    [hospitalId ?? null],
  );
  return res.rows;
}

/**
 * Revokes a gateway's token: its uploads get 401 within the auth cache's TTL. Revoking
 * again keeps the first time. Two statements rather than `coalesce(revoked_at, now())`,
 * which Citus refuses (no non-immutable function inside COALESCE).
 */
export async function revokeGateway(db: Queryable, gatewayId: string): Promise<GatewayRecord> {
  const res = await db.query<GatewayRecord>(
    `UPDATE gateways SET revoked_at = now() WHERE gateway_id = $1 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
    [gatewayId],
  );
  if (res.rows.length === 1) return res.rows[0]!;
  const revokedBefore = await db.query<GatewayRecord>(`SELECT ${COLUMNS} FROM gateways WHERE gateway_id = $1`, [gatewayId]);
  if (revokedBefore.rows.length !== 1) throw new NotFoundError('gateway', gatewayId);
  return revokedBefore.rows[0]!;
}

/** Replaces a gateway's token (the old one stops working; a revoked gateway is active again). */
export async function rotateGatewayToken(db: Queryable, gatewayId: string): Promise<AddedGateway> {
  const issued = issueToken();
  const res = await db.query<GatewayRecord>(
    `UPDATE gateways SET token_hash = $2, token_prefix = $3, revoked_at = NULL WHERE gateway_id = $1 RETURNING ${COLUMNS}`,
    [gatewayId, issued.hash, issued.prefix],
  );
  if (res.rowCount !== 1) throw new NotFoundError('gateway', gatewayId);
  return { ...res.rows[0]!, token: issued.token };
}

/** The gateway holding this token hash, revoked or not; undefined when none does. */
export async function findGatewayByTokenHash(db: Queryable, tokenHash: string): Promise<GatewayRecord | undefined> {
  const res = await db.query<GatewayRecord>(`SELECT ${COLUMNS} FROM gateways WHERE token_hash = $1`, [tokenHash]);
  return res.rows[0];
}
