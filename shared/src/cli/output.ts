/**
 * How both daemons' CLIs talk back: JSON on stdout with --json, readable text otherwise;
 * errors on stderr as `error WL_CODE: message` (or `{"error": {...}}`) with an exit code
 * that scripts can branch on.
 */
import { WardlinkError } from '../errors/base.js';

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

/** Every error code with an exit code other than FAILURE. */
const EXIT_BY_CODE: Readonly<Record<string, number>> = {
  WL_USAGE: EXIT.USAGE,
  WL_RULE_INVALID: EXIT.USAGE,
  WL_NOT_FOUND: EXIT.NOT_FOUND,
  WL_RULE_NOT_FOUND: EXIT.NOT_FOUND,
  WL_ALARM_NOT_FOUND: EXIT.NOT_FOUND,
  WL_ALREADY_EXISTS: EXIT.CONFLICT,
  WL_ALARM_ALREADY_ACKNOWLEDGED: EXIT.CONFLICT,
  WL_BUFFER_UNKNOWN_BATCH: EXIT.NOT_FOUND,
  WL_BUFFER_NOT_QUARANTINED: EXIT.CONFLICT,
  WL_ALARM_ACK_TIMEOUT: EXIT.UNAVAILABLE,
  WL_DB_UNAVAILABLE: EXIT.UNAVAILABLE,
  WL_EMBEDDED_PG_FAILED: EXIT.UNAVAILABLE,
  WL_CONFIG_INVALID: EXIT.CONFIG,
  WL_CONFIG_FILE: EXIT.CONFIG,
};

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
  return err instanceof WardlinkError ? (EXIT_BY_CODE[err.code] ?? EXIT.FAILURE) : EXIT.FAILURE;
}

export function reportError(out: Out, err: unknown): number {
  if (out.json) {
    const body = err instanceof WardlinkError ? err.toJSON() : { code: 'WL_INTERNAL', message: String((err as Error)?.message ?? err) };
    out.stderr(JSON.stringify({ error: body }));
  } else if (err instanceof WardlinkError) {
    out.stderr(`error ${err.code}: ${err.message}`);
  } else {
    out.stderr(`error: ${(err as Error)?.stack ?? String(err)}`);
  }
  return exitCodeFor(err);
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
  if (Array.isArray(v)) return v.join(',') || '-';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function emit(out: Out, value: unknown, human: () => string): void {
  out.stdout(out.json ? JSON.stringify(value) : human());
}
