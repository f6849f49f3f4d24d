/**
 * Upgrading a distributed schema: a database migrated and distributed by an older release
 * (the migrations up to compaction_state, version 9) takes the later ones through the
 * coordinator. They change a reference table (gateways gets a column) and add tables
 * (gateway_status, fhir_exports, compaction_late_rows, series_dictionary), which the same
 * migrate() then makes reference or distributed tables as citus.ts lists them, colocated
 * with the older ones; the real service then ingests on the upgraded schema. Runs only
 * with WARDLINK_TEST_CITUS=1.
 */
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '@wardlink/shared';
import { addGateway } from '../api/auth/gateway-store.js';
import { postBatch, startTestService } from '../api/testing/service.js';
import { batchOf, simulatedWard, T0 } from '../ingest/testing/batches.js';
import { checkCloud } from '../testing/cloud-process.js';
import { citusSwitchOn, CITUS_SWITCH_ENV } from '../testing/citus-cluster.js';
import { silentLogger } from '../testing/logger.js';
import { useTestDatabase } from '../testing/pg.js';
import { DISTRIBUTED_TABLES, DISTRIBUTION_COLUMN, REFERENCE_TABLES } from './citus.js';
import { MIGRATIONS } from './migrations/index.js';
import { currentVersion, latestVersion, migrate } from './migrator.js';

const on = citusSwitchOn();
if (!on) console.log(`citus-upgrade.test.ts skipped: run it on a Citus cluster with ${CITUS_SWITCH_ENV}=1 pnpm -s vitest run cloud/src/storage/citus-upgrade.test.ts`);

/** The release the cluster was first distributed with: before gateway_status (10). */
const OLD_VERSION = 9;
const SHARDS = 4;

describe.skipIf(!on)('upgrading a schema already distributed on Citus', () => {
  const db = useTestDatabase({ migrate: false });

  interface CitusTable {
    table_name: string;
    citus_table_type: string;
    distribution_column: string;
    colocation_id: number;
    shard_count: string;
  }
  async function citusTables(): Promise<Map<string, CitusTable>> {
    const res = await db.pool.query<CitusTable>(
      `SELECT table_name::text, citus_table_type, distribution_column, colocation_id, shard_count
       FROM citus_tables WHERE table_name::text NOT LIKE '%\\_p________'`,
    );
    return new Map(res.rows.map((r) => [r.table_name, r]));
  }
  const exists = async (table: string) => (await db.pool.query<{ yes: boolean }>('SELECT to_regclass($1) IS NOT NULL AS yes', [table])).rows[0]!.yes;

  it('the later migrations apply on the distributed tables, and their new tables are distributed as citus.ts lists them', async () => {
    const old = MIGRATIONS.slice(0, OLD_VERSION);
    const added = MIGRATIONS.slice(OLD_VERSION);
    // The premise: the later migrations add tables of both kinds and alter an old table.
    expect(added.map((m) => m.version)).toEqual([10, 11, 12, 13, 14]);

    const first = await migrate(db.pool, { logger: silentLogger, migrations: old, citusShardCount: SHARDS });
    expect(first.currentVersion).toBe(OLD_VERSION);
    const oldReference = await filterAsync(REFERENCE_TABLES, exists);
    const oldDistributed = await filterAsync(DISTRIBUTED_TABLES, exists);
    expect(first.citus).toEqual({ reference: oldReference, distributed: oldDistributed });
    expect(oldDistributed).not.toContain('series_dictionary');
    // A registered gateway on the old schema, in the reference table the upgrade alters.
    const { token } = await addGateway(db.pool, { hospitalId: 'h-upgrade', wardId: 'icu', gatewayId: 'gw-upgrade' });

    const upgrade = await migrate(db.pool, { logger: silentLogger, citusShardCount: 8 });
    expect(upgrade.applied).toEqual(added.map((m) => m.version));
    expect(upgrade.currentVersion).toBe(latestVersion());
    expect(await currentVersion(db.pool)).toBe(latestVersion());
    expect(upgrade.citus).toEqual({
      reference: REFERENCE_TABLES.filter((t) => !oldReference.includes(t)),
      distributed: DISTRIBUTED_TABLES.filter((t) => !oldDistributed.includes(t)),
    });
    expect(upgrade.citus!.reference.sort()).toEqual(['compaction_late_rows', 'fhir_exports']);
    expect(upgrade.citus!.distributed.sort()).toEqual(['gateway_status', 'series_dictionary']);

    // Every table as a fresh migrate makes it: one colocation group of the first shard
    // count (the later 8 does not reshard), the reference tables on every node.
    const tables = await citusTables();
    for (const t of REFERENCE_TABLES) expect(tables.get(t)?.citus_table_type, t).toBe('reference');
    for (const t of DISTRIBUTED_TABLES) {
      expect(tables.get(t)?.citus_table_type, t).toBe('distributed');
      expect(tables.get(t)?.distribution_column, t).toBe(DISTRIBUTION_COLUMN);
      expect(tables.get(t)?.shard_count, t).toBe(String(SHARDS));
    }
    expect(new Set(DISTRIBUTED_TABLES.map((t) => tables.get(t)!.colocation_id)).size).toBe(1);
    expect(tables.size).toBe(REFERENCE_TABLES.length + DISTRIBUTED_TABLES.length);

    // Migration 14's column reached every placement of the reference table gateways.
    const placements = await db.pool.query<{ result: string }>(
      `SELECT result FROM run_command_on_placements('gateways',
         $$SELECT count(*) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attname = 'ledger_pruned_created_at' AND NOT attisdropped$$)`,
    );
    expect(placements.rows.length).toBeGreaterThan(1);
    expect(placements.rows.map((r) => r.result)).toEqual(placements.rows.map(() => '1'));

    // The gateway registered before the upgrade uploads readings and its status (into
    // gateway_status, added by the upgrade) to the upgraded schema.
    const service = await startTestService(db.connectionString);
    try {
      const batch = batchOf(simulatedWard('gw-upgrade', 3), 1, T0);
      expect((await postBatch(service.url, encodeBatch(batch), token)).status).toBe(200);
      expect(await checkCloud(db.pool, 'gw-upgrade', batch.readings)).toMatchObject({ missing: 0, wrong: 0, duplicated: 0 });
      const status = await fetch(`${service.url}/v1/gateways/status`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(statusDoc('gw-upgrade')),
      });
      expect(status.status, await status.clone().text()).toBe(200);
      const stored = await db.pool.query("SELECT software_version FROM gateway_status WHERE hospital_id = 'h-upgrade' AND gateway_id = 'gw-upgrade'");
      expect(stored.rows).toEqual([{ software_version: '0.1.0' }]);
    } finally {
      await service.service.stop();
    }

    const again = await migrate(db.pool, { logger: silentLogger, citusShardCount: SHARDS });
    expect(again).toMatchObject({ applied: [], currentVersion: latestVersion(), citus: { reference: [], distributed: [] } });
  });
});

/** A gateway's status document (fleet/status-doc.ts), as fleet-route.test.ts sends it. */
function statusDoc(gatewayId: string) {
  return {
    v: 1,
    gatewayId,
    sentAtMs: Date.now(),
    version: '0.1.0',
    uplink: { up: true, breaker: 'closed' },
    backlog: { batches: 0, readings: 0, alarms: 0, oldestAgeS: null },
    quarantinedBatches: 0,
    disk: { freeBytes: 5e9, outageDaysLeft: 0.5 },
    devices: { up: 3, down: 0, unknown: 0, downIds: [] },
    alarmsActive: 0,
  };
}

async function filterAsync<T>(items: readonly T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept: T[] = [];
  for (const item of items) if (await keep(item)) kept.push(item);
  return kept;
}
