import type { Command } from 'commander';
import { AlreadyExistsError } from '@wardlink/shared';
import { addHospital, listHospitals } from '../../api/auth/gateway-store.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';
import { checkId } from './gateway.js';

export function registerHospitalCommands(program: Command, ctx: () => CliContext): void {
  const hospital = program.command('hospital').description('hospitals (also created on demand by "gateway add")');
  hospital
    .command('add <hospitalId>')
    .description('register a hospital')
    .option('--name <name>', 'display name (default: the id)')
    .action(async (hospitalId: string, opts: { name?: string }) => {
      const c = ctx();
      const created = await addHospital(await c.db(), checkId('hospitalId', hospitalId), opts.name ?? hospitalId);
      if (!created) throw new AlreadyExistsError('hospital', hospitalId);
      emit(c.out, { hospitalId, name: opts.name ?? hospitalId }, () => `hospital ${hospitalId} added`);
    });
  hospital
    .command('list')
    .description('list hospitals and their retention periods')
    .action(async () => {
      const c = ctx();
      const rows = await listHospitals(await c.db());
      emit(c.out, rows, () => table(rows, ['hospitalId', 'name', 'hotDays', 'archiveYears']));
    });
}
