/**
 * Turns what better-sqlite3 throws into the buffer's typed errors, so callers branch on
 * a stable `code` and never on SQLite's message text.
 */
import { BufferCorruptError, BufferFullError, BufferWriteFailedError, isBufferError, type BufferError } from '@wardlink/shared';
import { isCorrupt, sqliteCode } from './sqlite-codes.js';

export { sqliteCode, isBusy, isDataError, isCorrupt } from './sqlite-codes.js';

export function toBufferError(err: unknown, path: string): BufferError {
  if (isBufferError(err)) return err;
  const code = sqliteCode(err);
  const detail = { sqliteCode: code ?? null };
  if (code?.startsWith('SQLITE_FULL')) return new BufferFullError(detail, { cause: err });
  if (isCorrupt(err)) return new BufferCorruptError(path, detail, { cause: err });
  const reason = err instanceof Error ? err.message : String(err);
  return new BufferWriteFailedError(code ? `${code}: ${reason}` : reason, detail, { cause: err });
}
