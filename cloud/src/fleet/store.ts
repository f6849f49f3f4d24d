/**
 * The latest status of each gateway, one row per gateway in gateway_status (migration
 * 010). A status older than the stored one (two cloud instances, a slow request) never
 * overwrites a newer one.
 */
import type pg from 'pg';
import { toDatabaseError } from '../storage/db-errors.js';
import type { GatewayStatusDoc } from './status-doc.js';

type Queryable = Pick<pg.Pool, 'query'>;

export interface StoredStatus {
  hospitalId: string;
  gatewayId: string;
  receivedAt: Date;
  /** Gateway clock minus cloud clock at receipt, in ms (positive: the gateway is ahead). */
  clockSkewMs: number;
  status: GatewayStatusDoc;
}

export async function saveStatus(db: Queryable, who: { hospitalId: string; gatewayId: string }, doc: GatewayStatusDoc, receivedAtMs: number): Promise<void> {
  await db
    .query(
      `INSERT INTO gateway_status AS s (hospital_id, gateway_id, received_at, gateway_sent_at, clock_skew_ms, software_version, status)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (hospital_id, gateway_id) DO UPDATE
         SET received_at = EXCLUDED.received_at, gateway_sent_at = EXCLUDED.gateway_sent_at, clock_skew_ms = EXCLUDED.clock_skew_ms,
             software_version = EXCLUDED.software_version, status = EXCLUDED.status
         WHERE s.received_at <= EXCLUDED.received_at`,
      [who.hospitalId, who.gatewayId, new Date(receivedAtMs), new Date(doc.sentAtMs), doc.sentAtMs - receivedAtMs, doc.version, JSON.stringify(doc)],
    )
    .catch((err: unknown) => {
      throw toDatabaseError(err);
    });
}

interface Row {
  hospital_id: string;
  gateway_id: string;
  received_at: Date;
  clock_skew_ms: number;
  status: GatewayStatusDoc;
}

/** Every stored status (of one hospital), at most `limit` rows. */
export async function loadStatuses(db: Queryable, opts: { hospitalId?: string | undefined; limit?: number } = {}): Promise<StoredStatus[]> {
  const res = await db
    .query<Row>(
      `SELECT hospital_id, gateway_id, received_at, clock_skew_ms, status FROM gateway_status
       WHERE $1::text IS NULL OR hospital_id = $1 ORDER BY hospital_id, gateway_id LIMIT $2`,
      [opts.hospitalId ?? null, opts.limit ?? 10_000],
    )
    .catch((err: unknown) => {
      throw toDatabaseError(err);
    });
  return res.rows.map((r) => ({ hospitalId: r.hospital_id, gatewayId: r.gateway_id, receivedAt: r.received_at, clockSkewMs: Number(r.clock_skew_ms), status: r.status }));
}
