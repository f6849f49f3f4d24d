/**
 * What kind of failure a better-sqlite3 error is, from its SQLite result code. No runtime
 * import of @wardlink/shared: the commit worker thread (commit-worker.ts) classifies its
 * errors with these before it reports them to the main thread.
 */

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
