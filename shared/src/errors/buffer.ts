/**
 * Errors of the gateway's durable local buffer (SQLite with WAL). A transport that gets
 * one of these from `append` must not acknowledge the data (no MQTT PUBACK, an HL7 AE),
 * so the device sends it again. Catch them all with `instanceof BufferError`; branch on
 * `code`. `detail.sqliteCode` keeps SQLite's own code (e.g. SQLITE_IOERR_WRITE) when
 * there is one.
 */
import { WardlinkError } from './base.js';

/** Every buffer error code, in a fixed order (used to pre-register metric labels). */
export const BUFFER_ERROR_CODES = [
  'WL_BUFFER_FULL',
  'WL_BUFFER_WRITE_FAILED',
  'WL_BUFFER_CLOSED',
  'WL_BUFFER_MIGRATION_FAILED',
  'WL_BUFFER_CORRUPT',
  'WL_BUFFER_UNKNOWN_BATCH',
  'WL_BUFFER_NOT_QUARANTINED',
  'WL_BUFFER_BAD_OPTION',
] as const;
export type BufferErrorCode = (typeof BUFFER_ERROR_CODES)[number];

/** The common parent of every buffer error. */
export abstract class BufferError extends WardlinkError {
  declare readonly code: BufferErrorCode;

  protected constructor(code: BufferErrorCode, message: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(code, message, detail, options);
  }
}

export function isBufferError(err: unknown): err is BufferError {
  return err instanceof BufferError;
}

/** The disk (or the database's page limit) is full: SQLite refused to grow the file. */
export class BufferFullError extends BufferError {
  constructor(detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(
      'WL_BUFFER_FULL',
      'the buffer could not commit because the disk is full; free disk space on the gateway or lower buffer.maxBytes so eviction keeps the database smaller',
      detail,
      options,
    );
  }
}

/** A commit failed (I/O error, lock held too long, a value SQLite refused). Nothing of it was stored. */
export class BufferWriteFailedError extends BufferError {
  constructor(reason: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('WL_BUFFER_WRITE_FAILED', `the buffer could not commit: ${reason}; nothing of this write was stored, so send it again`, detail, options);
  }
}

/** The writer was closed (the daemon is shutting down); the data was not taken. */
export class BufferClosedError extends BufferError {
  constructor() {
    super('WL_BUFFER_CLOSED', 'the buffer writer is closed because the gateway is shutting down; the device should send again after the restart');
  }
}

/** A schema migration failed; the database was left at its previous version. */
export class BufferMigrationError extends BufferError {
  constructor(migrationId: string, reason: string, options?: { cause?: unknown }) {
    super(
      'WL_BUFFER_MIGRATION_FAILED',
      `schema migration "${migrationId}" failed: ${reason}; the database is unchanged, fix the migration or restore the previous gateway version`,
      { migrationId },
      options,
    );
  }
}

/** The database file is damaged or is not a SQLite database. */
export class BufferCorruptError extends BufferError {
  constructor(path: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super(
      'WL_BUFFER_CORRUPT',
      `the buffer database ${path} is corrupt or not a SQLite file; stop the gateway, move the file aside for analysis and start again with a fresh one`,
      { path, ...detail },
      options,
    );
  }
}

/** An outbox call named a batch sequence number the buffer never built. */
export class UnknownBatchError extends BufferError {
  constructor(seq: number) {
    super('WL_BUFFER_UNKNOWN_BATCH', `outbox batch ${seq} does not exist; only settle sequence numbers returned by nextBatch`, { seq });
  }
}

/** IT asked to re-send a batch that is not quarantined (pending, sent, or evicted). */
export class BatchNotQuarantinedError extends BufferError {
  constructor(seq: number, state: string) {
    const why =
      state === 'evicted'
        ? 'its readings were dropped under the buffer byte cap, so there is nothing left to send'
        : `it is ${state}, not quarantined; "quarantine list" shows the batches that can be re-sent`;
    super('WL_BUFFER_NOT_QUARANTINED', `outbox batch ${seq} cannot be re-sent: ${why}`, { seq, state });
  }
}

/** An option given to the buffer (store, writer, eviction, maintenance) is invalid. */
export class BufferOptionError extends BufferError {
  constructor(option: string, rule: string, value?: unknown) {
    const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)?.slice(0, 80)})`;
    super('WL_BUFFER_BAD_OPTION', `buffer option ${option} ${rule}${shown}`, { option });
  }
}
