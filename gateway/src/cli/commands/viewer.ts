import type { Command } from 'commander';
import { AlreadyExistsError, NotFoundError } from '@wardlink/shared';
import { readConfigFile, validate } from '../../config/load.js';
import { generatePassword, hashPassword } from '../../registry/credentials.js';
import type { CliContext } from '../context.js';
import { emit, table } from '../output.js';
import { writeConfig } from '../config-file.js';
import { dirname } from 'node:path';

interface ViewerEntry {
  username: string;
  passwordHash?: string;
  password?: string;
}

function viewersOf(raw: Record<string, unknown>): ViewerEntry[] {
  const alarms = (raw.alarms ?? {}) as Record<string, unknown>;
  return Array.isArray(alarms.viewers) ? (alarms.viewers as ViewerEntry[]) : [];
}

function withViewers(raw: Record<string, unknown>, viewers: ViewerEntry[]): Record<string, unknown> {
  return { ...raw, alarms: { ...((raw.alarms ?? {}) as Record<string, unknown>), viewers } };
}

/** Read-only MQTT accounts for alarm viewers (ward displays, pager and nurse-call bridges). */
export function registerViewerCommands(program: Command, ctx: () => CliContext): void {
  const viewer = program.command('viewer').description('read-only MQTT accounts that may subscribe to the alarm topics');
  viewer
    .command('add <username>')
    .description('create a viewer account; prints its generated password once (only a scrypt hash is kept)')
    .action(async (username: string) => {
      const c = ctx();
      const raw = readConfigFile(c.configPath);
      const viewers = viewersOf(raw);
      if (viewers.some((v) => v.username === username)) throw new AlreadyExistsError('viewer', username);
      const password = generatePassword();
      const next = withViewers(raw, [...viewers, { username, passwordHash: await hashPassword(password) }]);
      validate(next, dirname(c.configPath));
      writeConfig(c.configPath, next);
      emit(c.out, { username, password, topics: 'wardlink/alarms/#' }, () =>
        `viewer ${username} added\n  password: ${password}   (shown once)\n  subscribe to wardlink/alarms/# (restart the daemon to apply)`,
      );
    });
  viewer
    .command('list')
    .description('list viewer accounts')
    .action(() => {
      const c = ctx();
      const rows = viewersOf(readConfigFile(c.configPath)).map((v) => ({ username: v.username }));
      emit(c.out, rows, () => table(rows, ['username']));
    });
  viewer
    .command('remove <username>')
    .description('remove a viewer account')
    .action((username: string) => {
      const c = ctx();
      const raw = readConfigFile(c.configPath);
      const viewers = viewersOf(raw);
      if (!viewers.some((v) => v.username === username)) throw new NotFoundError('viewer', username);
      writeConfig(c.configPath, withViewers(raw, viewers.filter((v) => v.username !== username)));
      emit(c.out, { removed: username }, () => `viewer ${username} removed`);
    });
}
