import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import { addReader, listReaders, revokeReader, type AddedReader } from '../../api/auth/reader-store.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';
import { checkId } from './gateway.js';

/** A reader's name is for humans ("ICU dashboard", "Research export"): any printable text, bounded. */
function checkName(value: string): string {
  const name = value.trim();
  if (name === '' || name.length > 200 || /[\p{Cc}]/u.test(name)) throw new UsageError('--name must be 1 to 200 printable characters', { value });
  return name;
}

function showToken(r: AddedReader): string {
  return (
    `reader ${r.readerId} "${r.name}" added (hospital ${r.hospitalId})\n` +
    `  token: ${r.token}\n` +
    `  This token is shown once and only its hash is stored. It reads this hospital's data only:\n` +
    `    Authorization: Bearer ${r.token}`
  );
}

export function registerReaderCommands(program: Command, ctx: () => CliContext): void {
  const reader = program.command('reader').description("read-API credentials of one hospital (clinicians' and analysts' tools)");
  reader
    .command('add')
    .description('create a reader of an existing hospital and print its token once')
    .requiredOption('--hospital <hospitalId>', 'the hospital whose data it may read')
    .requiredOption('--name <name>', 'what it is for, e.g. "ICU dashboard"')
    .action(async (opts: { hospital: string; name: string }) => {
      const c = ctx();
      const added = await addReader(await c.db(), { hospitalId: checkId('--hospital', opts.hospital), name: checkName(opts.name) });
      emit(c.out, added, () => showToken(added));
    });
  reader
    .command('list')
    .description('list readers (tokens are never shown, only their prefix)')
    .option('--hospital <hospitalId>', 'only this hospital')
    .action(async (opts: { hospital?: string }) => {
      const c = ctx();
      const rows = await listReaders(await c.db(), opts.hospital);
      const shown = rows.map((r) => ({ ...r, status: r.revokedAt ? 'revoked' : 'active' }));
      emit(c.out, shown, () => table(shown, ['readerId', 'hospitalId', 'name', 'tokenPrefix', 'status', 'createdAt']));
    });
  reader
    .command('revoke <readerId>')
    .description('revoke a reader token: its requests are refused (401) within seconds')
    .action(async (readerId: string) => {
      const c = ctx();
      const revoked = await revokeReader(await c.db(), readerId);
      emit(c.out, revoked, () => `reader ${readerId} revoked; its requests are refused within a few seconds`);
    });
}
