/**
 * Errors of the data lifecycle jobs. Each has a stable `code`; messages say what to do.
 * Missing or duplicate holds reuse the shared NotFoundError / AlreadyExistsError.
 */
import { WardlinkError } from '@wardlink/shared';

/** An archived object does not match its manifest or its source. The partition is
 * kept (never dropped on a failed verification) and the job re-exports on its next run. */
export class ArchiveVerificationError extends WardlinkError {
  constructor(objectKey: string, mismatches: string[], detail: Record<string, unknown> = {}) {
    super(
      'WL_ARCHIVE_VERIFY_FAILED',
      `archive ${objectKey} failed verification (${mismatches.join('; ')}); the source partition was kept, the next retention run exports it again; if this repeats, check the archive store's disk`,
      { objectKey, mismatches, ...detail },
    );
  }
}

/** The archive store could not read, write or delete an object. */
export class ArchiveStoreError extends WardlinkError {
  constructor(operation: string, key: string, reason: string, options?: { cause?: unknown }) {
    super('WL_ARCHIVE_STORE_FAILED', `archive store ${operation} of ${key} failed: ${reason}; check the archive location's space and permissions`, { operation, key }, options);
  }
}

/** The export could not represent a value exactly (e.g. a batch_seq beyond 2^53). */
export class ArchiveExportError extends WardlinkError {
  constructor(partition: string, reason: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('WL_ARCHIVE_EXPORT_FAILED', `exporting ${partition} failed: ${reason}; the partition was kept`, { partition, ...detail }, options);
  }
}

/** Detaching or dropping a partition failed for a reason other than a lock timeout. */
export class PartitionLifecycleError extends WardlinkError {
  constructor(partition: string, reason: string, detail: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    super('WL_PARTITION_LIFECYCLE_FAILED', `partition ${partition}: ${reason}`, { partition, ...detail }, options);
  }
}

/** A restore target or range is not acceptable. */
export class RestoreError extends WardlinkError {
  constructor(reason: string, detail: Record<string, unknown> = {}) {
    super('WL_RESTORE_FAILED', `restore: ${reason}`, detail);
  }
}

export const LIFECYCLE_ERROR_CODES = [
  'WL_ARCHIVE_VERIFY_FAILED',
  'WL_ARCHIVE_STORE_FAILED',
  'WL_ARCHIVE_EXPORT_FAILED',
  'WL_PARTITION_LIFECYCLE_FAILED',
  'WL_RESTORE_FAILED',
] as const;
