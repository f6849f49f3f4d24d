/**
 * Alarm events (every phase of every alarm, the audit trail of who was alarmed and who
 * acknowledged) are kept in PostgreSQL for the hospital's whole archive period, not
 * just the hot period: they are few (~10^4-10^5 a day) and they are what an incident
 * review asks for first. Past the archive period they are deleted like the archives,
 * with one audit record per hospital and run, except for patients under legal hold.
 * The delete runs with legal_holds locked in SHARE mode, so a hold placed meanwhile
 * either waits for it or is honoured by it.
 */
import { withTransaction } from '../storage/pool.js';
import { recordAudit } from './audit.js';
import type { LifecycleContext } from './context.js';
import { listPolicies } from './policy.js';

export interface AlarmEventsPurgeResult {
  rows: number;
  hospitals: Array<{ hospitalId: string; before: string; rows: number; heldPatients: number }>;
}

/** The first UTC day kept: today minus `years` calendar years. */
export function alarmRetentionStart(nowMs: number, years: number): Date {
  const now = new Date(nowMs);
  return new Date(Date.UTC(now.getUTCFullYear() - years, now.getUTCMonth(), now.getUTCDate()));
}

export async function purgeAlarmEvents(ctx: LifecycleContext): Promise<AlarmEventsPurgeResult> {
  const result: AlarmEventsPurgeResult = { rows: 0, hospitals: [] };
  for (const policy of await listPolicies(ctx.pool)) {
    const before = alarmRetentionStart(ctx.clock.now(), policy.archiveYears);
    const done = await withTransaction(ctx.pool, async (client) => {
      await client.query('LOCK TABLE legal_holds IN SHARE MODE');
      const held = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM legal_holds WHERE hospital_id = $1 AND released_at IS NULL', [policy.hospitalId]);
      const res = await client.query(
        `DELETE FROM alarm_events a WHERE a.hospital_id = $1 AND a.t < $2
           AND NOT EXISTS (SELECT 1 FROM legal_holds l WHERE l.hospital_id = a.hospital_id AND l.patient_id = a.patient_id AND l.released_at IS NULL)`,
        [policy.hospitalId, before],
      );
      const rows = res.rowCount ?? 0;
      if (rows > 0) {
        await recordAudit(client, {
          hospitalId: policy.hospitalId,
          at: new Date(ctx.clock.now()),
          action: 'alarm-events-purged',
          subject: `alarm_events before ${before.toISOString().slice(0, 10)}`,
          actor: ctx.actor,
          detail: { rows, before: before.toISOString(), heldPatients: held.rows[0]!.n },
        });
      }
      return { rows, heldPatients: held.rows[0]!.n };
    });
    if (done.rows === 0) continue;
    result.rows += done.rows;
    result.hospitals.push({ hospitalId: policy.hospitalId, before: before.toISOString(), ...done });
    ctx.progress({ job: 'purge', step: 'alarm-events-purged', subject: policy.hospitalId, rows: done.rows });
  }
  if (result.rows > 0) ctx.logger.info({ rows: result.rows }, 'deleted alarm events past the archive period (held patients kept)');
  return result;
}
