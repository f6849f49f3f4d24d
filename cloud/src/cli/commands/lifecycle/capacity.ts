/** `capacity [--json]`: sizes, rates, projections and the volume's fill date. */
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { emit, table } from '../../output.js';
import { alertOnCapacity, capacityReport, type CapacityReport } from '../../../lifecycle/capacity.js';
import { lifecycleFor, mib } from './shared.js';

const gib = (b: number | null) => (b === null ? '-' : `${(b / 1024 ** 3).toFixed(2)} GiB`);
const pct = (p: number | null) => (p === null ? '-' : `${p.toFixed(1)}%`);

function describe(r: CapacityReport): string {
  const perReading = (bytes: number, n: number) => (n > 0 ? (bytes / n).toFixed(1) : '-');
  const parts = r.partitions.map((p) => ({
    ...p,
    rows: `${p.rowsExact ? '' : '~'}${p.rows}`,
    rowSize: mib(p.bytes),
    rowB: perReading(p.bytes, p.rows),
    compacted: p.blockReadings,
    compactSize: mib(p.blockBytes),
    compactB: perReading(p.blockBytes, p.blockReadings),
  }));
  const bpr = (t: { bytesPerReading: number | null }) => (t.bytesPerReading === null ? '-' : t.bytesPerReading.toFixed(2));
  return [
    table(parts, ['name', 'rows', 'rowSize', 'rowB', 'compacted', 'compactSize', 'compactB']),
    '',
    `hot store: ${r.hotRowsExact ? '' : '~'}${r.hotRows.toLocaleString('en-US')} readings${r.hotRowsExact ? '' : ' (~: planner estimates; --exact counts)'}, ${gib(r.hotBytes)}; ${r.bytesPerReading === null ? '-' : r.bytesPerReading.toFixed(1)} B/reading; database ${gib(r.databaseBytes)}`,
    `  rows (recent hours): ${r.tiers.rows.readings.toLocaleString('en-US')} readings, ${gib(r.tiers.rows.bytes)}, ${bpr(r.tiers.rows)} B/reading`,
    `  compacted blocks: ${r.tiers.blocks.readings.toLocaleString('en-US')} readings, ${gib(r.tiers.blocks.bytes)}, ${bpr(r.tiers.blocks)} B/reading${r.tiers.blocks.measured ? '' : ' (assumed: nothing compacted yet)'}`,
    `ingest (last ${r.ingest.windowDays.toFixed(1)} days, from ${r.ingest.source}): ${Math.round(r.ingest.readingsPerSecond).toLocaleString('en-US')} readings/s, ${Math.round(r.ingest.readingsPerDay).toLocaleString('en-US')}/day`,
    `projected hot store (${r.projection.hotDays} days, the last ${r.projection.rowHours.toFixed(1)} h as rows, the rest compacted): ${gib(r.projection.hotStoreBytes)}; archive per year: ${gib(r.projection.archiveBytesPerYear)} at ${r.archive.bytesPerReading.toFixed(2)} B/reading${r.archive.measured ? '' : ' (assumed)'}`,
    r.volume.bytes > 0
      ? `volume ${gib(r.volume.bytes)}: ${pct(r.volume.usedPct)} used, ${pct(r.volume.projectedPct)} projected; ${r.volume.fullDate ? `fills around ${r.volume.fullDate}` : 'does not fill at the current rate'}`
      : 'volume size unknown: set capacity.dbVolumeBytes (WARDLINK_DB_VOLUME_BYTES) for a fill date',
    ...(r.nodes
      ? [
          '',
          'Citus nodes (capacity per node; the database above is their sum):',
          table(
            r.nodes.map((n) => ({ node: `${n.host}:${n.port}`, role: n.role, shards: n.shards, shardSize: gib(n.shardBytes), database: gib(n.databaseBytes) })),
            ['node', 'role', 'shards', 'shardSize', 'database'],
          ),
          '',
        ]
      : []),
    ...r.alerts.map((a) => `ALERT ${a.kind}: ${a.message}`),
  ].join('\n');
}

export function registerCapacityCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('capacity')
    .description('rows and bytes per partition, bytes per reading, ingest rate, projected sizes and the date the database volume fills')
    .option('--exact', 'count every partition\'s rows (slow on big partitions) instead of the planner\'s estimate for those over 64 MiB')
    .action(async (opts: { exact?: boolean }) => {
      const c = ctx();
      const lc = await lifecycleFor(c);
      const report = await capacityReport(lc, {
        exact: opts.exact === true,
        ...(opts.exact ? { onProgress: (done: number, total: number) => c.out.stderr(`counted ${done}/${total} partitions`) } : {}),
      });
      alertOnCapacity(lc, report);
      emit(c.out, report, () => describe(report));
    });
}
