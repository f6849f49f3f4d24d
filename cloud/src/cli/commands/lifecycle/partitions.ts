/** `partitions list|maintain`. */
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { emit, table } from '../../output.js';
import { capacityReport, type PartitionSize } from '../../../lifecycle/capacity.js';
import { partitionStatus } from '../../../lifecycle/archive/detach.js';
import { runPartitionMaintenance } from '../../../lifecycle/maintenance.js';
import { RangeMonitor } from '../../../lifecycle/range-monitor.js';
import { lifecycleFor, mib, parseInteger, type ArchiveDirOption } from './shared.js';

export function registerPartitionCommands(program: Command, ctx: () => CliContext): void {
  const partitions = program.command('partitions').description('daily vital_data partitions');
  partitions
    .command('list')
    .description('list partitions with rows (planner estimate) and size')
    .action(async () => {
      const c = ctx();
      const lc = await lifecycleFor(c);
      const report = await capacityReport(lc);
      const rows: Array<PartitionSize & { size: string; status: string }> = [];
      for (const p of report.partitions) rows.push({ ...p, size: mib(p.bytes), status: await partitionStatus(lc.pool, p.name) });
      emit(c.out, rows, () => `${table(rows, ['name', 'day', 'rows', 'size', 'status'])}\n${rows.length} partition(s), ${mib(report.hotBytes)}`);
    });
  partitions
    .command('maintain')
    .description('create the partitions of today and the next days (idempotent), then check for rows outside the premade range')
    .option('--days <n>', 'days ahead (default: retention.partitionPremakeDays, 14)')
    .action(async (opts: { days?: string } & ArchiveDirOption) => {
      const c = ctx();
      const lc = await lifecycleFor(c);
      const days = parseInteger('--days', opts.days, 1, 366);
      const result = await runPartitionMaintenance(lc, days);
      const check = await new RangeMonitor(lc).check();
      emit(c.out, { ...result, alerts: check.alerts }, () =>
        [
          result.ran ? `partitions ${result.fromDay}..${result.toDay}: created ${result.created.length}, ${result.existing} already there` : 'another instance is maintaining partitions right now; nothing done',
          ...check.alerts.map((a) => `ALERT ${a.kind}: ${a.message}`),
        ].join('\n'),
      );
    });
}
