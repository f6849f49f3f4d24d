/**
 * `wardlink-cloud cluster status`: on a Citus cluster (WARDLINK_TEST_CITUS=1) the nodes,
 * their shards, each hospital's node and bytes, and the one colocation group; on plain
 * PostgreSQL a clear WL_NOT_CITUS.
 */
import { describe, expect, it } from 'vitest';
import { DISTRIBUTED_TABLES } from '../storage/citus.js';
import type { ClusterStatus } from '../storage/citus-status.js';
import { ensurePartitions } from '../storage/partitions.js';
import { citusSwitchOn, CITUS_SWITCH_ENV } from '../testing/citus-cluster.js';
import { useTestDatabase } from '../testing/pg.js';
import { EXIT, type Out } from './output.js';
import { runCli } from './program.js';

const db = useTestDatabase();
const on = citusSwitchOn();
if (!on) console.log(`cluster-status.test.ts: the Citus part is skipped; run it with ${CITUS_SWITCH_ENV}=1 pnpm -s vitest run cloud/src/cli/cluster-status.test.ts`);

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sink: Out = { json: args.includes('--json'), stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
  const code = await runCli(args, { out: sink, env: { DATABASE_URL: db.connectionString } });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe.skipIf(!on)('cluster status on Citus', () => {
  it('shows both workers holding shards, where each hospital lives, and one colocation group', async () => {
    for (const h of ['h-one', 'h-two', 'h-three']) expect((await cli(['hospital', 'add', h])).code).toBe(EXIT.OK);
    await ensurePartitions(db.pool, { fromDay: '2031-05-01', toDay: '2031-05-01' });
    await db.pool.query(
      `INSERT INTO vital_data (t, received_at, batch_seq, value, metric, hospital_id, gateway_id, device_id, bed_id)
       SELECT '2031-05-01T08:00:00Z'::timestamptz + i * interval '1 second', now(), 1, i, 147842, 'h-one', 'gw', 'dev', 'bed'
       FROM generate_series(1, 2000) i`,
    );

    const res = await cli(['cluster', 'status', '--json']);
    expect(res.code, res.stderr).toBe(EXIT.OK);
    const status = JSON.parse(res.stdout) as ClusterStatus;
    expect(status.nodes.map((n) => n.role)).toEqual(['coordinator', 'worker', 'worker']);
    const workers = status.nodes.filter((n) => n.role === 'worker');
    expect(workers.every((w) => w.active && w.shards > 0)).toBe(true);
    expect(status.hospitals.map((h) => h.hospitalId)).toEqual(['h-one', 'h-three', 'h-two']);
    const one = status.hospitals.find((h) => h.hospitalId === 'h-one')!;
    expect(workers.map((w) => w.port)).toContain(one.port);
    expect(one.bytes).toBeGreaterThan(0);
    expect(status.colocation).toHaveLength(1);
    expect([...status.colocation[0]!.tables].sort()).toEqual([...DISTRIBUTED_TABLES].sort());
    expect(status.colocation[0]!.partitions).toBeGreaterThan(0);
    expect(status.referenceTables).toContain('hospitals');

    const human = await cli(['cluster', 'status']);
    expect(human.stdout).toMatch(/NODES[\s\S]*worker[\s\S]*HOSPITALS[\s\S]*h-one[\s\S]*COLOCATION/);
  });
});

describe.skipIf(on)('cluster status on plain PostgreSQL', () => {
  it('says it is not a Citus cluster', async () => {
    const res = await cli(['cluster', 'status', '--json']);
    expect(res.code).not.toBe(EXIT.OK);
    expect(res.stderr + res.stdout).toContain('WL_NOT_CITUS');
  });
});
