/**
 * Turns what better-sqlite3 throws into the buffer's typed errors, so callers branch on
 * a stable `code` and never on SQLite's message text.
 */
import { BufferCorruptError, BufferFullError, BufferWriteFailedError, isBufferError, type BufferError } from '@wardlink/shared';

/** SQLite's extended result code (e.g. "SQLITE_IOERR_FSYNC"), or undefined for a JS error. */
export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_') ? code : undefined;
}

/** Another connection holds the lock; trying again later may succeed. */
export function isBusy(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * The failure is about the data of one write (a constraint, a value SQLite cannot bind),
 * not about the database: the other writes of the same transaction can still commit.
 */
export function isDataError(err: unknown): boolean {
  const code = sqliteCode(err);
  if (code !== undefined) return code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH' || code === 'SQLITE_TOOBIG';
  return err instanceof TypeError || err instanceof RangeError;
}

export function isCorrupt(err: unknown): boolean {
  const code = sqliteCode(err);
  return code !== undefined && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
}

export function toBufferError(err: unknown, path: string): BufferError {
  if (isBufferError(err)) return err;
  const code = sqliteCode(err);
  const detail = { sqliteCode: code ?? null };
  if (code?.startsWith('SQLITE_FULL')) return new BufferFullError(detail, { cause: err });
  if (isCorrupt(err)) return new BufferCorruptError(path, detail, { cause: err });
  const reason = err instanceof Error ? err.message : String(err);
  return new BufferWriteFailedError(code ? `${code}: ${reason}` : reason, detail, { cause: err });
}
