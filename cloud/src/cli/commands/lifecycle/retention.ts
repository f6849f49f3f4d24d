/** `retention run [--dry-run]`, `retention policy set|list`. */
import type { Command } from 'commander';
import { WardlinkError } from '@wardlink/shared';
import { checkId } from '../gateway.js';
import type { CliContext } from '../../context.js';
import { emit, table } from '../../output.js';
import { listPolicies, setRetentionPolicy } from '../../../lifecycle/policy.js';
import { runRetention, type RetentionResult } from '../../../lifecycle/retention.js';
import { lifecycleFor, mib, parseInteger, type ArchiveDirOption } from './shared.js';

/** Some partitions could not be archived; they stay in place and the next run retries. */
export class RetentionIncompleteError extends WardlinkError {
  constructor(failed: RetentionResult['failed']) {
    super('WL_RETENTION_INCOMPLETE', `${failed.length} partition(s) could not be archived (${failed.map((f) => `${f.partition}: ${f.code}`).join('; ')}); they were kept and the next run retries them`, { failed });
  }
}

function describePlan(r: RetentionResult, dryRun: boolean): string {
  const { plan } = r;
  const lines = [`today ${plan.today} (UTC); hot period ${plan.hotDays} days: partitions of ${plan.lastArchivedDay} and before are archived`];
  if (plan.archive.length === 0) lines.push('nothing to archive');
  else {
    lines.push(dryRun ? 'would archive:' : 'archive:');
    lines.push(table(plan.archive.map((a) => ({ ...a, size: mib(a.bytes) })), ['partition', 'day', 'state', 'rowsEstimate', 'size']));
  }
  const purge = r.purge ?? plan.purge;
  if (purge.items.length === 0) lines.push('nothing to purge');
  else {
    lines.push(dryRun ? 'would purge:' : 'purged:');
    lines.push(table(purge.items.map((i) => ({ ...i, held: i.heldPatients.length ? `extract ${i.heldPatients.length} held patient(s) first` : '' })), ['key', 'dueDay', 'rows', 'held']));
  }
  if (!dryRun) {
    if (!r.ran) lines.push('another instance is running retention right now; nothing done');
    else lines.push(`archived ${r.archived.length} partition(s), ${r.archived.reduce((n, a) => n + a.rows, 0)} rows; purged ${r.purge?.purged ?? 0} object(s)${r.purgeSkipped ? ' (purge busy in another instance)' : ''}; deleted ${r.alarmEvents?.rows ?? 0} alarm event(s) past the archive period and ${r.ledger?.rows ?? 0} batch ledger row(s) past the hot period`);
  }
  return lines.join('\n');
}

export function registerRetentionCommands(program: Command, ctx: () => CliContext): void {
  const retention = program.command('retention').description('retention: archive days past the hot period, purge archives past the archive period');
  retention
    .command('run')
    .description('archive (detach, export to Parquet, verify, drop) every partition past the hot period, then purge expired archives')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--no-purge', 'archive only')
    .option('--archive-dir <path>', 'archive folder (default: <dataDir>/archive)')
    .action(async (opts: { dryRun?: boolean; purge: boolean } & ArchiveDirOption) => {
      const c = ctx();
      const lc = await lifecycleFor(c, opts);
      const result = await runRetention(lc, { dryRun: opts.dryRun ?? false, skipPurge: !opts.purge });
      emit(c.out, result, () => describePlan(result, opts.dryRun ?? false));
      if (result.failed.length > 0) throw new RetentionIncompleteError(result.failed);
    });
  const policy = retention.command('policy').description("hospitals' hot and archive periods");
  policy
    .command('set')
    .description('set a hospital\'s hot period (days in PostgreSQL) and/or archive period (years in the archive); audited')
    .requiredOption('--hospital <hospitalId>', 'the hospital')
    .option('--hot-days <n>', 'days kept in PostgreSQL (1-3650)')
    .option('--archive-years <n>', 'years kept in the archive (0-100)')
    .action(async (opts: { hospital: string; hotDays?: string; archiveYears?: string }) => {
      const c = ctx();
      const lc = await lifecycleFor(c);
      const hotDays = parseInteger('--hot-days', opts.hotDays, 1, 3650);
      const archiveYears = parseInteger('--archive-years', opts.archiveYears, 0, 100);
      const change = await setRetentionPolicy(lc.pool, {
        hospitalId: checkId('--hospital', opts.hospital),
        ...(hotDays !== undefined ? { hotDays } : {}),
        ...(archiveYears !== undefined ? { archiveYears } : {}),
        actor: lc.actor,
        at: new Date(lc.clock.now()),
      });
      emit(c.out, change, () => `hospital ${change.after.hospitalId}: hot ${change.before.hotDays} -> ${change.after.hotDays} days, archive ${change.before.archiveYears} -> ${change.after.archiveYears} years`);
    });
  policy
    .command('list')
    .description('every hospital\'s retention policy')
    .action(async () => {
      const c = ctx();
      const rows = await listPolicies(await c.db());
      emit(c.out, rows, () => table(rows, ['hospitalId', 'hotDays', 'archiveYears']));
    });
}
