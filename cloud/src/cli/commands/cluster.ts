import type { Command } from 'commander';
import { clusterStatus, type ClusterStatus } from '../../storage/citus-status.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

/** `cluster status`: the Citus cluster behind DATABASE_URL (docs/scaling.md). */
export function registerClusterCommands(program: Command, ctx: () => CliContext): void {
  const cluster = program.command('cluster').description('the Citus cluster: nodes, shards, where each hospital lives');
  cluster
    .command('status')
    .description('nodes with their shards and bytes, the bytes and node of each hospital, and the colocation groups')
    .action(async () => {
      const c = ctx();
      const status = await clusterStatus(await c.db());
      emit(c.out, status, () => human(status));
    });
}

function human(s: ClusterStatus): string {
  const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);
  return [
    'NODES',
    table(s.nodes.map((n) => ({ node: `${n.host}:${n.port}`, role: n.role, active: n.active, shards: n.shards, mb: mb(n.bytes) })), ['node', 'role', 'active', 'shards', 'mb']),
    '',
    'HOSPITALS',
    table(s.hospitals.map((h) => ({ hospital: h.hospitalId, node: `${h.host}:${h.port}`, mb: mb(h.bytes), shares_shards_with: h.sharedWith })), ['hospital', 'node', 'mb', 'shares_shards_with']),
    '',
    'COLOCATION',
    table(s.colocation.map((g) => ({ group: g.colocationId, shards: g.shardCount, tables: g.tables, daily_partitions: g.partitions })), ['group', 'shards', 'tables', 'daily_partitions']),
    `reference tables: ${s.referenceTables.join(', ') || '(none)'}`,
  ].join('\n');
}
