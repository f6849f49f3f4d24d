/**
 * Moving a hospital on a real Citus cluster while the real service ingests its batches
 * over HTTP (docs/scaling.md, "Moving a hospital"): its colocated shard group goes from
 * one worker to the other, by logical replication and then with writes blocked, and is
 * then isolated into shards of its own. After each: every acknowledged reading is stored
 * exactly once (count, per patient and metric, values), the ledger holds each batch once,
 * and the longest ingest stall is printed. Runs only with WARDLINK_TEST_CITUS=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mdcCodeOfKey } from '@wardlink/shared';
import { addGateway } from '../api/auth/gateway-store.js';
import { startTestService, type TestService } from '../api/testing/service.js';
import { checkCloud } from '../testing/cloud-process.js';
import { citusSwitchOn, CITUS_SWITCH_ENV } from '../testing/citus-cluster.js';
import { useTestDatabase } from '../testing/pg.js';
import { hospitalShardGroup, isolateHospital, moveHospital, type ShardTransferMode } from './shard-move.js';
import { expectedPerPatientMetric, maxStallMs, startContinuousIngest, type Acknowledged, type ContinuousIngest, type UploadingGateway } from './shard-move-ingest.js';

const on = citusSwitchOn();
if (!on) console.log(`shard-move.test.ts skipped: it moves shards of a Citus cluster; run it with ${CITUS_SWITCH_ENV}=1 pnpm -s vitest run cloud/src/storage/shard-move.test.ts`);

const MOVED = 'h-moved';
const OTHER = 'h-other';

describe.skipIf(!on)("moving a hospital's shards while ingest runs", () => {
  const db = useTestDatabase();
  let service: TestService;
  const gateways: Array<UploadingGateway & { hospitalId: string }> = [];
  // The batches of every test so far: each test continues the gateways' seqs and checks them all.
  let acked: Acknowledged[] = [];

  beforeAll(async () => {
    service = await startTestService(db.connectionString);
    for (const [hospitalId, gatewayId] of [
      [MOVED, 'gw-moved-1'],
      [MOVED, 'gw-moved-2'],
      [OTHER, 'gw-other'],
    ] as const) {
      const { token } = await addGateway(db.pool, { hospitalId, wardId: `${gatewayId}-ward`, gatewayId });
      gateways.push({ hospitalId, gatewayId, token });
    }
  });
  afterAll(async () => {
    await service?.service.stop();
  });

  /** Waits until at least `n` more batches are acknowledged (bounded: the service may stall). */
  async function moreAcks(ingest: ContinuousIngest, n: number): Promise<void> {
    const target = ingest.acked.length + n;
    const deadline = Date.now() + 60_000;
    while (ingest.acked.length < target) {
      if (Date.now() > deadline) throw new Error(`ingest made no progress: ${ingest.acked.length} of ${target} batches acknowledged`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Every acknowledged reading of every gateway is stored once, with its values; the ledger holds each batch once. */
  async function expectExactlyOnce(ingest: ContinuousIngest): Promise<number> {
    let total = 0;
    for (const g of gateways) {
      const batches = ingest.acked.filter((a) => a.batch.gatewayId === g.gatewayId).map((a) => a.batch);
      const readings = batches.flatMap((b) => b.readings);
      total += readings.length;
      expect(await checkCloud(db.pool, g.gatewayId, readings), g.gatewayId).toEqual({ expected: readings.length, stored: readings.length, missing: 0, wrong: 0, duplicated: 0 });
      const perKey = await db.pool.query<{ patient_id: string; metric: number; n: number }>(
        'SELECT patient_id, metric, count(*)::int AS n FROM vital_data WHERE hospital_id = $1 AND gateway_id = $2 GROUP BY 1, 2',
        [g.hospitalId, g.gatewayId],
      );
      const stored = new Map(perKey.rows.map((r) => [`${r.patient_id}|${r.metric}`, r.n]));
      expect(stored, `${g.gatewayId} per (patient, metric)`).toEqual(expectedPerPatientMetric(ingest.acked, g.gatewayId, mdcCodeOfKey));
      const ledger = await db.pool.query<{ seq: string; readings: number }>('SELECT batch_seq::text AS seq, readings FROM batch_ledger WHERE hospital_id = $1 AND gateway_id = $2 ORDER BY batch_seq', [
        g.hospitalId,
        g.gatewayId,
      ]);
      expect(ledger.rows.map((r) => [Number(r.seq), r.readings]), `${g.gatewayId} ledger`).toEqual(batches.map((b) => [b.seq, b.readings.length]).sort((a, b) => a[0]! - b[0]!));
    }
    return total;
  }

  async function moveDuringIngest(mode: ShardTransferMode): Promise<void> {
    const before = await hospitalShardGroup(db.pool, MOVED);
    const ingest = startContinuousIngest(service.url, gateways, acked);
    try {
      await moreAcks(ingest, 6); // ingest is running, the day's partitions exist
      const from = performance.now();
      const moved = await moveHospital(db.pool, MOVED, { mode });
      const to = performance.now();
      await moreAcks(ingest, 6); // and goes on after the move
      await ingest.stop();
      acked = [...ingest.acked];
      const after = await hospitalShardGroup(db.pool, MOVED);
      expect(`${after.host}:${after.port}`).not.toBe(`${before.host}:${before.port}`);
      expect(after).toMatchObject({ host: moved.to.host, port: moved.to.port, shardId: before.shardId });
      expect(moved.placements).toBeGreaterThan(1); // every colocated table and daily partition went along
      const readings = await expectExactlyOnce(ingest);
      const stall = maxStallMs(ingest.acked, from, to);
      const duringMove = ingest.acked.filter((a) => a.ackedAt >= from && a.ackedAt <= to).length;
      console.log(
        `shard move (${mode}): ${moved.placements} placements ${before.host}:${before.port} -> ${after.host}:${after.port} in ${Math.round(moved.durationMs)} ms; ` +
          `max ingest stall ${Math.round(stall)} ms; ${duringMove} batches acknowledged during the move; ${readings} readings in ${ingest.acked.length} batches, each stored once; ` +
          `refusals retried: ${JSON.stringify(Object.fromEntries(ingest.refusals))}`,
      );
    } finally {
      await ingest.stop();
    }
  }

  it('moves by logical replication (force_logical): no reading lost or duplicated, the ledger right', async () => {
    await moveDuringIngest('force_logical');
  }, 120_000);

  it('moves back with writes blocked (block_writes): no reading lost or duplicated, the ledger right', async () => {
    await moveDuringIngest('block_writes');
  }, 120_000);

  it('isolates the hospital into shards of its own while ingest runs, then moves them', async () => {
    const before = await hospitalShardGroup(db.pool, MOVED);
    const ingest = startContinuousIngest(service.url, gateways, acked);
    try {
      await moreAcks(ingest, 6);
      const from = performance.now();
      const isolated = await isolateHospital(db.pool, MOVED, 'block_writes');
      const to = performance.now();
      await moreAcks(ingest, 6);
      await ingest.stop();
      acked = [...ingest.acked];
      expect(isolated.shardId).not.toBe(before.shardId);
      // The new shard holds one hash value: this hospital's alone.
      const range = await db.pool.query<{ min: string; max: string }>('SELECT shardminvalue AS min, shardmaxvalue AS max FROM pg_dist_shard WHERE shardid = $1', [isolated.shardId]);
      expect(range.rows[0]!.min).toBe(range.rows[0]!.max);
      const other = await hospitalShardGroup(db.pool, OTHER);
      expect(other.shardId).not.toBe(isolated.shardId);
      await expectExactlyOnce(ingest);
      console.log(`tenant isolation (block_writes): ${MOVED} now alone in shard ${isolated.shardId} (${isolated.placements} placements) in ${Math.round(to - from)} ms; max ingest stall ${Math.round(maxStallMs(ingest.acked, from, to))} ms`);
      const moved = await moveHospital(db.pool, MOVED, { mode: 'force_logical' });
      expect((await hospitalShardGroup(db.pool, MOVED)).port).toBe(moved.to.port);
      await expectExactlyOnce(ingest);
    } finally {
      await ingest.stop();
    }
  }, 120_000);
});
