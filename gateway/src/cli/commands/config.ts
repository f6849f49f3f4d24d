import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import { pick } from '../../config/fields.js';
import { readConfigFile, redactedConfig, validate } from '../../config/load.js';
import { printableValue } from '../../config/redact.js';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { isLoopback } from '../../config/http.js';
import { openGatewayDatabase } from '../../db.js';
import { describeTls, issueSelfSigned } from './tls.js';
import { writeConfig } from '../config-file.js';
import type { CliContext } from '../context.js';
import { emit } from '../output.js';

/** The machine's first non-loopback IPv4 address: on a ward gateway, its ward-side interface. */
function wardSideAddress(): string {
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (!i.internal && i.family === 'IPv4') return i.address;
  return '127.0.0.1';
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
    .option('--bind <address>', 'the ward-side address every listener binds to (default: this machine\'s first non-loopback IPv4 address, else 127.0.0.1)')
    .option('--no-tls', 'no self-signed certificate (the web port then stays on loopback unless http.allowInsecure is set)')
    .option('--force', 'overwrite an existing config file')
    .action(async (opts: { gatewayId: string; bind?: string; tls: boolean; force?: boolean }) => {
      const c = ctx();
      const path = c.configPath;
      if (existsSync(path) && !opts.force) throw new UsageError(`${path} already exists; use --force to overwrite it`);
      const bind = opts.bind ?? wardSideAddress();
      if (isIP(bind) === 0) throw new UsageError(`--bind must be an IP address of this machine, not "${bind.slice(0, 60)}"`);
      // Listeners bind where they were told; the web port only with TLS off loopback.
      const webHost = opts.tls || isLoopback(bind) ? bind : '127.0.0.1';
      const http = opts.tls ? { host: webHost, tls: { certFile: 'tls/gateway.crt', keyFile: 'tls/gateway.key' } } : { host: webHost };
      const raw = { gatewayId: opts.gatewayId, dataDir: '.', http, mqtt: { host: bind }, hl7: { host: bind } };
      const config = validate(raw, dirname(path));
      writeConfig(path, raw);
      const issued = opts.tls ? await issueSelfSigned(path, { force: true, names: [bind] }) : null;
      openGatewayDatabase(config).close();
      emit(c.out, { configPath: path, databasePath: config.databasePath, gatewayId: config.gatewayId, bind, tls: issued }, () =>
        [
          `created ${path}`,
          `created ${config.databasePath}`,
          `listeners bind to ${bind}${webHost === bind ? '' : ` (the web port to ${webHost}: no TLS)`}`,
          ...(issued ? [describeTls(issued)] : []),
          'next: add beds, devices and staff ("bed add", "device add", "staff add"), then "run"',
        ].join('\n'),
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
      const shown = printableValue(key, text);
      const apply = /^(cloud|log|ingest)\./.test(key) ? 'SIGHUP the daemon (or restart it) to apply' : 'restart the daemon to apply';
      emit(c.out, { key, value: shown, apply }, () => `${key} = ${shown} (${apply})`);
    });
}
