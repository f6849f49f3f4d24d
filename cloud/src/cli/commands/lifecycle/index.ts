/**
 * The lifecycle's commands (partitions, compaction, retention, legal holds, archive,
 * capacity), registered by cli/program.ts. They live in the CLI folder and call the
 * lifecycle library (cloud/src/lifecycle), which knows nothing of the CLI.
 */
import type { Command } from 'commander';
import type { CliContext } from '../../context.js';
import { registerArchiveCommands } from './archive.js';
import { registerCapacityCommand } from './capacity.js';
import { registerCompactionCommands } from './compaction.js';
import { registerLegalHoldCommands } from './legal-hold.js';
import { registerPartitionCommands } from './partitions.js';
import { registerRetentionCommands } from './retention.js';

export function registerLifecycleCommands(program: Command, ctx: () => CliContext): void {
  registerPartitionCommands(program, ctx);
  registerCompactionCommands(program, ctx);
  registerRetentionCommands(program, ctx);
  registerLegalHoldCommands(program, ctx);
  registerArchiveCommands(program, ctx);
  registerCapacityCommand(program, ctx);
}

export { registerArchiveCommands, registerCapacityCommand, registerCompactionCommands, registerLegalHoldCommands, registerPartitionCommands, registerRetentionCommands };
