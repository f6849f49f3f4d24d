/**
 * Alarm events of a batch: a few per batch at most, so one INSERT ... SELECT FROM unnest
 * (one round trip, no COPY set-up). ON CONFLICT DO NOTHING: the gateway may re-send an
 * event in a later batch after a crash, and its event id is stable. Counted by RETURNING:
 * on Citus an INSERT ... SELECT reports the rows it selected as its row count, so an
 * event stored before would be counted again (as in ledger.ts).
 */
import type pg from 'pg';
import { METRICS, type AlarmEvent } from '@wardlink/shared';
import { float4Safe } from './rows.js';

export async function insertAlarms(client: pg.PoolClient, hospitalId: string, gatewayId: string, seq: number, alarms: readonly AlarmEvent[]): Promise<number> {
  if (alarms.length === 0) return 0;
  const col = <T>(pick: (a: AlarmEvent) => T) => alarms.map(pick);
  const res = await client.query(
    `INSERT INTO alarm_events (t, batch_seq, value, metric, hospital_id, gateway_id, event_id, alarm_id, bed_id, patient_id,
                               device_id, source, condition, priority, phase, actor, message)
     SELECT to_timestamp(u.t / 1000), $3, u.value, u.metric, $1, $2, u.event_id, u.alarm_id, u.bed_id, u.patient_id,
            u.device_id, u.source, u.condition, u.priority, u.phase, u.actor, u.message
     FROM unnest($4::float8[], $5::real[], $6::int[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[],
                 $12::text[], $13::text[], $14::text[], $15::text[], $16::text[], $17::text[])
          AS u(t, value, metric, event_id, alarm_id, bed_id, patient_id, device_id, source, condition, priority, phase, actor, message)
     ON CONFLICT (hospital_id, gateway_id, event_id) DO NOTHING
     RETURNING 1`,
    [
      hospitalId,
      gatewayId,
      seq,
      col((a) => a.timeMs),
      col((a) => (a.value === null ? null : float4Safe(a.value))),
      col((a) => (a.metric === null ? null : METRICS[a.metric].mdcCode)),
      col((a) => a.eventId),
      col((a) => a.alarmId),
      col((a) => a.bedId),
      col((a) => a.patientId ?? ''),
      col((a) => a.deviceId ?? ''),
      col((a) => a.source),
      col((a) => a.condition),
      col((a) => a.priority),
      col((a) => a.phase),
      col((a) => a.actor),
      col((a) => a.message),
    ],
  );
  return res.rows.length;
}
