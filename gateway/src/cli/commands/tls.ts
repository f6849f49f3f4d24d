/**
 * `tls init`: a self-signed certificate for the gateway's listeners, for a ward with no
 * hospital PKI. It names the machine, its addresses and `--name`s, is written to
 * `<data>/tls/gateway.crt` and `gateway.key` (0600), and the config's `http.tls` is pointed
 * at it. The SHA-256 fingerprint it prints is what the ward's PCs and devices pin.
 * A hospital certificate is used instead by setting http.tls.certFile/keyFile to its files.
 */
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '@wardlink/shared';
import { readConfigFile, validate } from '../../config/load.js';
import type { CliContext } from '../context.js';
import { emit } from '../output.js';
import { writeConfig } from '../config-file.js';

/** This machine's names and addresses: what a client may reach the gateway by. */
export function machineNamesForCertificate(extra: readonly string[]): string[] {
  const names = ['localhost', '127.0.0.1', '::1', hostname()];
  for (const list of Object.values(networkInterfaces())) for (const i of list ?? []) if (!i.internal) names.push(i.address.replace(/%.*$/, ''));
  return [...new Set([...extra, ...names])];
}

export interface IssuedTls {
  certFile: string;
  keyFile: string;
  fingerprint256: string;
  names: string[];
  notAfter: string;
}

/** Makes the pair in `<dataDir>/tls/` and points http.tls at it (relative paths). */
export async function issueSelfSigned(configPath: string, opts: { names?: string[]; force?: boolean; days?: number } = {}): Promise<IssuedTls> {
  const raw = readConfigFile(configPath);
  const config = validate(raw, dirname(configPath));
  const dir = join(config.dataDir, 'tls');
  const certFile = join(dir, 'gateway.crt');
  const keyFile = join(dir, 'gateway.key');
  if (existsSync(certFile) && !opts.force) throw new UsageError(`${certFile} already exists; use --force to replace it (clients that pinned it must pin the new one)`);
  const { makeSelfSigned } = await import('../../tls/self-signed.js');
  const names = machineNamesForCertificate(opts.names ?? []);
  const made = await makeSelfSigned({ commonName: config.gatewayId, names, ...(opts.days ? { days: opts.days } : {}) });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  writeFileSync(keyFile, made.keyPem, { mode: 0o600 });
  chmodSync(keyFile, 0o600);
  writeFileSync(certFile, made.certPem, { mode: 0o644 });
  const http = { ...((raw.http ?? {}) as Record<string, unknown>), tls: { certFile: 'tls/gateway.crt', keyFile: 'tls/gateway.key' } };
  const next = { ...raw, http };
  validate(next, dirname(configPath));
  writeConfig(configPath, next);
  return { certFile, keyFile, fingerprint256: made.fingerprint256, names, notAfter: made.notAfter.toISOString() };
}

export function describeTls(t: IssuedTls): string {
  return [`certificate ${t.certFile} (key ${t.keyFile}), valid until ${t.notAfter}`, `  names: ${t.names.join(', ')}`, `  SHA-256 fingerprint (pin this on the ward's PCs and devices):`, `  ${t.fingerprint256}`].join('\n');
}

export function registerTlsCommands(program: Command, ctx: () => CliContext): void {
  const tls = program.command('tls').description('TLS for the gateway\'s listeners');
  tls
    .command('init')
    .description('make a self-signed certificate for this gateway and serve HTTPS with it (restart or SIGHUP to apply)')
    .option('--name <name...>', 'more DNS names or addresses clients reach the gateway by')
    .option('--days <n>', 'validity in days', '825')
    .option('--force', 'replace an existing certificate')
    .action(async (opts: { name?: string[]; days: string; force?: boolean }) => {
      const c = ctx();
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 3650) throw new UsageError('--days must be 1-3650');
      const issued = await issueSelfSigned(c.configPath, { names: opts.name ?? [], days, ...(opts.force ? { force: true } : {}) });
      emit(c.out, issued, () => describeTls(issued));
    });
}
