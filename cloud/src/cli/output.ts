/**
 * How CLI commands talk back (the same conventions as wardlink-gateway): JSON on stdout
 * with --json, readable text otherwise; errors on stderr with a stable code and a
 * meaningful exit code.
 */
import { WardlinkError } from '@wardlink/shared';
import { toDatabaseError } from '../storage/db-errors.js';

/** Exit codes, after sysexits.h where one fits. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  CONFLICT: 4,
  UNAVAILABLE: 69,
  CONFIG: 78,
} as const;

export interface Out {
  json: boolean;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processOut = (json: boolean): Out => ({
  json,
  stdout: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  stderr: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
});

export function exitCodeFor(err: unknown): number {
  if (!(err instanceof WardlinkError)) return EXIT.FAILURE;
  switch (err.code) {
    case 'WL_USAGE':
      return EXIT.USAGE;
    case 'WL_NOT_FOUND':
      return EXIT.NOT_FOUND;
    case 'WL_ALREADY_EXISTS':
      return EXIT.CONFLICT;
    case 'WL_DB_UNAVAILABLE':
    case 'WL_EMBEDDED_PG_FAILED':
      return EXIT.UNAVAILABLE;
    case 'WL_CONFIG_INVALID':
    case 'WL_CONFIG_FILE':
      return EXIT.CONFIG;
    default:
      return EXIT.FAILURE;
  }
}

export function reportError(out: Out, error: unknown): number {
  const err = toDatabaseError(error);
  const code = exitCodeFor(err);
  if (out.json) {
    const body = err instanceof WardlinkError ? err.toJSON() : { code: 'WL_INTERNAL', message: String((err as Error)?.message ?? err) };
    out.stderr(JSON.stringify({ error: body }));
  } else if (err instanceof WardlinkError) {
    out.stderr(`error ${err.code}: ${err.message}`);
  } else {
    out.stderr(`error: ${(err as Error)?.stack ?? String(err)}`);
  }
  return code;
}

/** Prints rows as aligned columns. */
export function table<T extends object>(rows: readonly T[], columns: (keyof T & string)[]): string {
  if (rows.length === 0) return '(none)';
  const cells = rows.map((r) => columns.map((c) => formatCell(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i]!.length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join('\n');
}

function formatCell(v: unknown): string {
  if (v === null || v === undefined) return '-';
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function emit(out: Out, value: unknown, human: () => string): void {
  out.stdout(out.json ? JSON.stringify(value) : human());
}
