/** `legal-hold add|remove|list`: audited holds on a patient's data. */
import type { Command } from 'commander';
import { checkId } from '../gateway.js';
import type { CliContext } from '../../context.js';
import { emit, table } from '../../output.js';
import { listLegalHolds, placeLegalHold, releaseLegalHold } from '../../../lifecycle/legal-hold.js';
import { checkPatientId, lifecycleFor } from './shared.js';

export function registerLegalHoldCommands(program: Command, ctx: () => CliContext): void {
  const hold = program.command('legal-hold').description("legal holds: a held patient's data is never purged while the hold lasts");
  hold
    .command('add')
    .description('place a hold on a patient (audited)')
    .requiredOption('--hospital <hospitalId>', 'the hospital')
    .requiredOption('--patient <patientId>', "the hospital's patient identifier")
    .requiredOption('--reason <text>', 'why (case number, request)')
    .requiredOption('--by <name>', 'who places it')
    .action(async (opts: { hospital: string; patient: string; reason: string; by: string }) => {
      const c = ctx();
      const lc = await lifecycleFor(c);
      const placed = await placeLegalHold(lc.pool, {
        hospitalId: checkId('--hospital', opts.hospital),
        patientId: checkPatientId(opts.patient),
        reason: opts.reason,
        placedBy: opts.by,
        at: new Date(lc.clock.now()),
      });
      emit(c.out, placed, () => `legal hold placed on ${placed.hospitalId}/${placed.patientId}: their data is kept past every retention period until the hold is removed`);
    });
  hold
    .command('remove')
    .description('release the active hold of a patient (audited); their data then follows the retention policy again')
    .requiredOption('--hospital <hospitalId>', 'the hospital')
    .requiredOption('--patient <patientId>', "the hospital's patient identifier")
    .requiredOption('--by <name>', 'who releases it')
    .action(async (opts: { hospital: string; patient: string; by: string }) => {
      const c = ctx();
      const lc = await lifecycleFor(c);
      const released = await releaseLegalHold(lc.pool, { hospitalId: checkId('--hospital', opts.hospital), patientId: checkPatientId(opts.patient), releasedBy: opts.by, at: new Date(lc.clock.now()) });
      emit(c.out, released, () => `legal hold on ${released.hospitalId}/${released.patientId} released`);
    });
  hold
    .command('list')
    .description('active holds (--all: released ones too)')
    .option('--hospital <hospitalId>', 'only this hospital')
    .option('--all', 'include released holds')
    .action(async (opts: { hospital?: string; all?: boolean }) => {
      const c = ctx();
      const holds = await listLegalHolds(await c.db(), { ...(opts.hospital ? { hospitalId: opts.hospital } : {}), includeReleased: opts.all ?? false });
      emit(c.out, holds, () => table(holds, ['hospitalId', 'patientId', 'placedAt', 'placedBy', 'reason', 'releasedAt', 'releasedBy']));
    });
}
