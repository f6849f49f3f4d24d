/**
 * Moving a hospital back soon after it moved, while a query that began before the first
 * move still holds the old placement: Citus refuses the second move until that placement
 * can be dropped ("orphaned shard ... could not be cleaned up"), and moveHospital waits for
 * it and tries again rather than failing (it failed CI once: ingest's in-flight queries held
 * it). Runs only with WARDLINK_TEST_CITUS=1.
 */
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { addGateway } from '../api/auth/gateway-store.js';
import { citusSwitchOn } from '../testing/citus-cluster.js';
import { useTestDatabase } from '../testing/pg.js';
import { hospitalShardGroup, moveHospital } from './shard-move.js';

const on = citusSwitchOn();

describe.skipIf(!on)('moving a hospital back while the old placement is held', () => {
  const db = useTestDatabase();

  it('waits for the previous move\'s placement to be dropped, then moves', async () => {
    await addGateway(db.pool, { hospitalId: 'h-orphan', wardId: 'w-orphan', gatewayId: 'gw-orphan' });
    const first = await hospitalShardGroup(db.pool, 'h-orphan');
    // hospitalShardGroup's shard is the anchor table's (patients) on that worker.
    const shard = `public.patients_${first.shardId}`;
    // A reader on the old worker that holds its shard of the anchor table across the move.
    const url = new URL(db.connectionString);
    url.hostname = first.host;
    url.port = String(first.port);
    const holder = new pg.Client({ connectionString: url.toString() });
    await holder.connect();
    let releaseTimer: ReturnType<typeof setTimeout> | undefined;
    try {
      await holder.query('BEGIN');
      await holder.query(`SELECT count(*) FROM ${shard}`);
      const away = await moveHospital(db.pool, 'h-orphan', { mode: 'block_writes' });
      expect(`${away.to.host}:${away.to.port}`).not.toBe(`${first.host}:${first.port}`);
      // The old placement cannot be dropped while the reader holds it: the move back is refused
      // by Citus until the reader ends, 1.5 s from now.
      const release = new Promise<void>((resolve, reject) => {
        releaseTimer = setTimeout(() => holder.query('COMMIT').then(() => resolve(), reject), 1_500);
      });
      const back = await moveHospital(db.pool, 'h-orphan', { mode: 'block_writes', to: { host: first.host, port: first.port } });
      await release;
      expect(back.durationMs).toBeGreaterThanOrEqual(1_000);
      expect(await hospitalShardGroup(db.pool, 'h-orphan')).toMatchObject({ host: first.host, port: first.port });
    } finally {
      clearTimeout(releaseTimer);
      await holder.end();
    }
  }, 60_000);
});
