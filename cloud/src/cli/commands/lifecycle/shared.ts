/**
 * What the lifecycle commands share: building a LifecycleContext from the CLI's config
 * and database, progress lines on stderr (JSON lines with --json), and option parsing.
 */
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@wardlink/shared';
import type { CliContext } from '../../context.js';
import type { Out } from '../../output.js';
import { archiveDirFor, createLifecycleContext, settingsFromConfig, type LifecycleContext, type ProgressEvent } from '../../../lifecycle/context.js';
import { LocalFolderArchiveStore } from '../../../lifecycle/store/local-folder-store.js';
import { createArchiveStore } from '../../../lifecycle/store/create-store.js';

export interface ArchiveDirOption {
  archiveDir?: string;
}

/** Where archives live: --archive-dir, else retention.archiveDir, else `<dataDir>/archive`. */
export function archiveDirOf(c: CliContext, opts: ArchiveDirOption): string {
  return opts.archiveDir ?? archiveDirFor(c.loadConfig());
}

export async function lifecycleFor(c: CliContext, opts: ArchiveDirOption = {}): Promise<LifecycleContext> {
  const config = c.loadConfig();
  const archiveDir = archiveDirOf(c, opts);
  return createLifecycleContext({
    pool: await c.db(),
    logger: c.logger(),
    // --archive-dir names a local folder; else the store the config names (folder or s3).
    store: opts.archiveDir === undefined ? createArchiveStore(config) : new LocalFolderArchiveStore(archiveDir),
    stagingDir: join(archiveDir, '.staging'),
    settings: settingsFromConfig(config),
    progress: progressPrinter(c.out),
    actor: `cli:${safeUser()}`,
  });
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

export function progressPrinter(out: Out): (e: ProgressEvent) => void {
  return (e) => {
    if (out.json) {
      out.stderr(JSON.stringify({ progress: e }));
      return;
    }
    const count = e.total !== undefined ? ` ${e.done ?? 0}/${e.total}` : '';
    const rows = e.rows !== undefined ? ` ${e.rows.toLocaleString('en-US')} rows` : '';
    out.stderr(`${e.job}: ${e.step}${e.subject ? ` ${e.subject}` : ''}${count}${rows}`);
  };
}

/** 'YYYY-MM-DD' (UTC midnight) or an ISO 8601 time. */
export function parseTime(option: string, value: string): Date {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : Date.parse(value);
  if (!Number.isFinite(ms)) throw new UsageError(`${option} must be a date (YYYY-MM-DD, UTC) or an ISO 8601 time`, { value });
  return new Date(ms);
}

export function parseInteger(option: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`${option} must be an integer from ${min} to ${max}`, { value });
  return Number(value);
}

/** Patient ids come from hospital systems (HL7 PID-3): printable, bounded. */
export function checkPatientId(value: string): string {
  if (!/^[^\s\p{Cc}][^\p{Cc}]{0,127}$/u.test(value)) throw new UsageError('--patient must be 1 to 128 printable characters', { value });
  return value;
}

export const mib = (bytes: number | null) => (bytes === null ? '-' : `${(bytes / 1048576).toFixed(1)} MiB`);
