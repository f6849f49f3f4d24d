import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import { pick } from '../../config/fields.js';
import { readConfigFile, redactedConfig, validate } from '../../config/load.js';
import { openGatewayDatabase } from '../../db.js';
import type { CliContext } from '../context.js';
import { emit } from '../output.js';

const SECRET_KEYS = new Set(['cloud.token', 'mqtt.bridge.password']);

/** Writes the config file atomically-enough and readable only by its owner (it may hold a token). */
export function writeConfig(path: string, raw: Record<string, unknown>): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(raw, null, 2)}\n`, { mode: 0o600 });
  chmodSync(path, 0o600);
}

function parseValue(text: string): unknown {
  if (text === 'null') return null;
  if (text === 'true' || text === 'false') return text === 'true';
  if (/^-?\d+$/.test(text)) return Number(text);
  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      throw new UsageError(`value ${text.slice(0, 40)} looks like JSON but does not parse`);
    }
  }
  return text;
}

export function registerConfigCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('init')
    .description('create the config file and the database')
    .option('--gateway-id <id>', 'this gateway id, e.g. icu-3a', 'gateway-1')
    .option('--force', 'overwrite an existing config file')
    .action((opts: { gatewayId: string; force?: boolean }) => {
      const c = ctx();
      const path = c.configPath;
      if (existsSync(path) && !opts.force) throw new UsageError(`${path} already exists; use --force to overwrite it`);
      const raw = { gatewayId: opts.gatewayId, dataDir: '.' };
      const config = validate(raw, dirname(path));
      writeConfig(path, raw);
      openGatewayDatabase(config).close();
      emit(c.out, { configPath: path, databasePath: config.databasePath, gatewayId: config.gatewayId }, () =>
        `created ${path}\ncreated ${config.databasePath}\nnext: add beds and devices ("bed add", "device add"), then "run"`,
      );
    });

  const config = program.command('config').description('show or change the configuration');
  config
    .command('show')
    .description('print the resolved configuration (secrets hidden)')
    .action(() => {
      const c = ctx();
      const shown = redactedConfig(c.loadConfig());
      emit(c.out, shown, () => JSON.stringify(shown, null, 2));
    });
  config
    .command('get <key>')
    .description('print one resolved setting (secrets hidden)')
    .action((key: string) => {
      const c = ctx();
      const value = pick(redactedConfig(c.loadConfig()), key);
      if (value === undefined) throw new UsageError(`${key} is not a known setting`);
      emit(c.out, { key, value }, () => (typeof value === 'object' ? JSON.stringify(value) : String(value)));
    });
  config
    .command('set <key> <value>')
    .description('change a setting in the config file (validated before it is written)')
    .action((key: string, text: string) => {
      const c = ctx();
      const raw = readConfigFile(c.configPath);
      const keys = key.split('.');
      let cur: Record<string, unknown> = raw;
      for (const k of keys.slice(0, -1)) {
        if (cur[k] === null || typeof cur[k] !== 'object') cur[k] = {};
        cur = cur[k] as Record<string, unknown>;
      }
      cur[keys[keys.length - 1]!] = parseValue(text);
      validate(raw, dirname(c.configPath));
      writeConfig(c.configPath, raw);
      const shown = SECRET_KEYS.has(key) ? '***' : text;
      const apply = /^(cloud|log|ingest)\./.test(key) ? 'SIGHUP the daemon (or restart it) to apply' : 'restart the daemon to apply';
      emit(c.out, { key, value: shown, apply }, () => `${key} = ${shown} (${apply})`);
    });
}
