import type { Command } from 'commander';
import { migrate } from '../../storage/migrator.js';
import type { CliContext } from '../context.js';
import { emit } from '../output.js';

/** `migrate`: apply pending schema migrations (idempotent; safe from several instances). */
export function registerMigrateCommand(program: Command, ctx: () => CliContext): void {
  program
    .command('migrate')
    .description('apply pending database migrations (safe to run again, and from several instances)')
    .action(async () => {
      const c = ctx();
      const pool = await c.db();
      const result = await migrate(pool, { logger: c.logger(), citusShardCount: c.loadConfig().database.citusShardCount });
      const citus = result.citus;
      const distributed = citus && citus.reference.length + citus.distributed.length > 0
        ? `; on Citus: ${citus.reference.length} reference and ${citus.distributed.length} distributed table(s) made`
        : '';
      emit(c.out, result, () =>
        (result.applied.length === 0
          ? `schema already at version ${result.currentVersion}; nothing to do`
          : `applied migration(s) ${result.applied.join(', ')}; schema at version ${result.currentVersion}`) + distributed,
      );
    });
}
