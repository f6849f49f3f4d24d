/** `compaction run [--after-minutes n]`: compact closed hours into vital_blocks now. */
import type { Command } from 'commander';
import { WardlinkError } from '@wardlink/shared';
import type { CliContext } from '../../context.js';
import { emit } from '../../output.js';
import { runCompaction, type CompactionResult } from '../../../lifecycle/compaction/compaction-job.js';
import { lifecycleFor, parseInteger } from './shared.js';

/** Some units were rolled back; their rows stay rows and the next run retries them. */
export class CompactionIncompleteError extends WardlinkError {
  constructor(failedUnits: number) {
    super('WL_COMPACTION_INCOMPLETE', `${failedUnits} unit(s) could not be compacted and were rolled back (their rows are intact); see the log, the next run retries them`, { failedUnits });
  }
}

function describe(r: CompactionResult): string {
  const rate = r.ms > 0 ? Math.round((r.readings / r.ms) * 1000) : 0;
  return [
    `compacted readings before ${r.cutoff}: ${r.readings} reading(s) in ${r.units} unit(s) into ${r.blocksWritten} block(s), ${(r.ms / 1000).toFixed(1)} s (${rate}/s)`,
    `late readings merged into ${r.blocksMerged} existing block(s); ${r.duplicates} re-sent copy(ies) dropped; ${r.failedUnits} unit(s) failed`,
  ].join('\n');
}

export function registerCompactionCommands(program: Command, ctx: () => CliContext): void {
  const compaction = program.command('compaction').description('the compact hot store: closed hours of rows packed into vital_blocks');
  compaction
    .command('run')
    .description('compact every hour that ended at least --after-minutes ago (the scheduler does this hourly)')
    .option('--after-minutes <n>', 'minutes after an hour ends before it is compacted (default: retention.compactAfterMinutes, 10)')
    .action(async (opts: { afterMinutes?: string }) => {
      const c = ctx();
      const lc = await lifecycleFor(c);
      const afterMinutes = parseInteger('--after-minutes', opts.afterMinutes, 0, 10_080);
      const run = await runCompaction(lc, afterMinutes === undefined ? {} : { graceMs: afterMinutes * 60_000 });
      if (!run.ran) {
        emit(c.out, { ran: false }, () => 'another instance is compacting right now; nothing done');
        return;
      }
      emit(c.out, { ran: true, ...run.value }, () => describe(run.value));
      if (run.value.failedUnits > 0) throw new CompactionIncompleteError(run.value.failedUnits);
    });
}
