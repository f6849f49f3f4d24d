/**
 * The small tables' retention: batch ledger rows are pruned past the hot period with a
 * per-gateway watermark that refuses expired replays, and alarm events are deleted past
 * the archive period except for patients under legal hold.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasCode } from '@wardlink/shared';
import { claimBatch, type LedgerEntry } from '../ingest/ledger.js';
import { withTransaction } from '../storage/pool.js';
import { DAY_MS } from '../storage/utc-days.js';
import { purgeAlarmEvents } from './alarm-events-purge.js';
import { listAudit } from './audit.js';
import { pruneLedger } from './ledger-prune.js';
import { placeLegalHold } from './legal-hold.js';
import { runRetention } from './retention.js';
import { useLifecycleDatabase } from './testing/db.js';
import { addHospitals, createHarness, NOW, type Harness } from './testing/harness.js';

const db = useLifecycleDatabase();
let h: Harness;

const entry = (gatewayId: string, seq: number): LedgerEntry => ({
  hospitalId: 'h-north',
  gatewayId,
  seq,
  createdAtMs: NOW,
  readings: 10,
  alarms: 0,
  minTMs: NOW,
  maxTMs: NOW,
  traceId: undefined,
});
const claim = (gatewayId: string, seq: number) => withTransaction(db.pool, (client) => claimBatch(client, entry(gatewayId, seq)));

beforeAll(async () => {
  h = createHarness(db.pool);
  await addHospitals(db.pool, 90, 1);
  await db.pool.query("INSERT INTO wards (hospital_id, ward_id, name) VALUES ('h-north', 'w1', 'Ward 1')");
  for (const g of ['gw-a', 'gw-b']) {
    await db.pool.query("INSERT INTO gateways (hospital_id, gateway_id, ward_id, token_hash, token_prefix) VALUES ('h-north', $1, 'w1', $1 || '-hash', 'x')", [g]);
  }
});
afterAll(() => h?.cleanup());

describe('batch ledger pruning', () => {
  it('deletes rows received before the hot period, keeps a watermark, and refuses expired replays', async () => {
    for (let seq = 1; seq <= 6; seq++) expect(await claim('gw-a', seq)).toBe(true);
    expect(await claim('gw-b', 1)).toBe(true);
    // Seqs 1-3 of gw-a were received 100 days ago, 4-6 yesterday; gw-b's one 120 days ago.
    await db.pool.query("UPDATE batch_ledger SET received_at = $1 WHERE gateway_id = 'gw-a' AND batch_seq <= 3", [new Date(NOW - 100 * DAY_MS)]);
    await db.pool.query("UPDATE batch_ledger SET received_at = $1 WHERE gateway_id = 'gw-a' AND batch_seq > 3", [new Date(NOW - DAY_MS)]);
    await db.pool.query("UPDATE batch_ledger SET received_at = $1 WHERE gateway_id = 'gw-b'", [new Date(NOW - 120 * DAY_MS)]);

    const pruned = await pruneLedger(h.ctx);
    expect(pruned.rows).toBe(4);
    expect(pruned.hospitals).toEqual([expect.objectContaining({ hospitalId: 'h-north', rows: 4, gateways: 2 })]);
    const left = await db.pool.query<{ gateway_id: string; batch_seq: string }>('SELECT gateway_id, batch_seq FROM batch_ledger ORDER BY 1, 2');
    expect(left.rows.map((r) => `${r.gateway_id}:${r.batch_seq}`)).toEqual(['gw-a:4', 'gw-a:5', 'gw-a:6']);
    const marks = await db.pool.query<{ gateway_id: string; w: string }>('SELECT gateway_id, ledger_pruned_through_seq::text AS w FROM gateways ORDER BY 1');
    expect(marks.rows).toEqual([{ gateway_id: 'gw-a', w: '3' }, { gateway_id: 'gw-b', w: '1' }]);

    // A replay of a pruned batch is refused, never stored again; nothing was claimed.
    const err = await claim('gw-a', 2).catch((e: unknown) => e);
    expect(hasCode(err, 'WL_API_BATCH_EXPIRED')).toBe(true);
    expect((err as { status?: number }).status).toBe(422);
    expect((await db.pool.query("SELECT 1 FROM batch_ledger WHERE gateway_id = 'gw-a' AND batch_seq = 2")).rowCount).toBe(0);
    // Batches still in the ledger are duplicates; new ones are claimed as before.
    expect(await claim('gw-a', 5)).toBe(false);
    expect(await claim('gw-a', 7)).toBe(true);
    expect(await claim('gw-b', 2)).toBe(true);

    // Idempotent: a second run finds nothing due and leaves the watermarks alone. (The
    // rows just claimed got the database's real now(); the lifecycle's clock is in 2030.)
    await db.pool.query("UPDATE batch_ledger SET received_at = $1 WHERE (gateway_id, batch_seq) IN (('gw-a', 7), ('gw-b', 2))", [new Date(NOW)]);
    expect((await pruneLedger(h.ctx)).rows).toBe(0);
    const again = await db.pool.query<{ w: string }>("SELECT ledger_pruned_through_seq::text AS w FROM gateways WHERE gateway_id = 'gw-a'");
    expect(again.rows[0]!.w).toBe('3');
  });
});

describe('alarm events past the archive period', () => {
  it('are deleted with an audit record, except a held patient\'s, and retention runs it', async () => {
    const insert = (eventId: string, patientId: string, ageDays: number) =>
      db.pool.query(
        `INSERT INTO alarm_events (t, batch_seq, hospital_id, gateway_id, event_id, alarm_id, bed_id, patient_id, source, condition, priority, phase)
         VALUES ($1, 1, 'h-north', 'gw-a', $2, $2, 'bed-1', $3, 'physiological', 'SpO2 low', 'high', 'raised')`,
        [new Date(NOW - ageDays * DAY_MS), eventId, patientId],
      );
    await insert('old-p1', 'P1', 400); // h-north keeps 1 year
    await insert('old-p2', 'P2', 400);
    await insert('recent-p1', 'P1', 300);
    await placeLegalHold(db.pool, { hospitalId: 'h-north', patientId: 'P2', reason: 'inquiry', placedBy: 'legal@hospital', at: new Date(NOW) });

    const result = await runRetention(h.ctx, { failFast: true });
    expect(result.alarmEvents?.rows).toBe(1);
    const left = await db.pool.query<{ event_id: string }>('SELECT event_id FROM alarm_events ORDER BY 1');
    expect(left.rows.map((r) => r.event_id)).toEqual(['old-p2', 'recent-p1']);
    const audit = (await listAudit(db.pool, { hospitalId: 'h-north', action: 'alarm-events-purged' }))[0];
    expect(audit?.detail).toMatchObject({ rows: 1, heldPatients: 1 });
    expect((await purgeAlarmEvents(h.ctx)).rows).toBe(0);
  });
});
