import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';

export function registerBedCommands(program: Command, ctx: () => CliContext): void {
  const bed = program.command('bed').description('beds of the ward');
  bed
    .command('add <bedId>')
    .description('add a bed')
    .option('--label <label>', 'display label (defaults to the id)')
    .action((bedId: string, opts: { label?: string }) => {
      const c = ctx();
      const created = c.db().registry.addBed(bedId, opts.label ?? bedId);
      emit(c.out, created, () => `bed ${created.bedId} added`);
    });
  bed
    .command('list')
    .description('list beds with their patient and devices')
    .action(() => {
      const c = ctx();
      const beds = c.db().registry.listBeds();
      emit(c.out, beds, () => table(beds, ['bedId', 'label', 'patientId', 'devices']));
    });
}
