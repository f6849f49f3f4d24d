/**
 * Where archived Parquet objects and their manifests live. The interface is the subset
 * an S3-compatible bucket offers (PUT of a whole object, GET as a stream, HEAD, LIST by
 * prefix, DELETE), so a bucket implementation drops in beside the local folder one.
 *
 * Contract (every implementation passes testing/archive-store-contract.ts):
 * - `put` is atomic: a reader sees the old object or the whole new one, never a part,
 *   and it overwrites (a resumed job stores the same key again);
 * - `delete` of a missing key succeeds (purge resumes after a crash);
 * - keys are '/'-separated, relative, without '..' segments.
 */
import type { Readable } from 'node:stream';

export interface ArchiveObjectInfo {
  key: string;
  bytes: number;
}

export interface ArchiveStore {
  /** For logs and `archive list`: e.g. "local:/var/lib/wardlink/archive". */
  readonly description: string;
  /** Stores the local file `sourcePath` under `key`, replacing any object there. */
  put(key: string, sourcePath: string): Promise<void>;
  /** Stores a small object (a manifest) from memory. */
  putBytes(key: string, bytes: Uint8Array): Promise<void>;
  /** The object's bytes as a stream; rejects with WL_ARCHIVE_STORE_FAILED if missing. */
  get(key: string): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Every object whose key starts with `prefix`, sorted by key. */
  list(prefix: string): Promise<ArchiveObjectInfo[]>;
  delete(key: string): Promise<void>;
  /** A local path DuckDB can open directly, when the store is a local folder; undefined
   * for remote stores (the caller downloads to a temporary file). */
  localPath(key: string): string | undefined;
  /** Optional, for remote stores with a local read cache: a local copy of the object
   * (checked against `sha256`, its manifest's), at a path the caller deletes when done. */
  localCopy?(key: string, sha256: string): Promise<string>;
}

const SAFE_KEY = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[^\0\\]+$/;

/** Refuses keys that could escape the store's root. */
export function assertSafeKey(key: string): string {
  if (!SAFE_KEY.test(key) || key.endsWith('/')) throw new RangeError(`unsafe archive key: ${JSON.stringify(key)}`);
  return key;
}
